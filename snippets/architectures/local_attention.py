"""Local (sliding-window) attention: each token attends only to its neighbours."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:band_mask]
# Needs: checks.py:require
import torch


def band_mask(num_tokens: int, radius: int, causal: bool = False) -> torch.Tensor:
    """True where query i may attend key j: |i - j| <= radius (or 0 <= i - j <= radius).

    Two-sided, a query sees 2 * radius + 1 keys; causal, radius + 1 (itself included)."""
    require(radius >= 0, f"radius must be at least 0 (a token sees itself), got {radius}")
    i = torch.arange(num_tokens)[:, None]  # query positions, as a column
    j = torch.arange(num_tokens)[None, :]  # key positions, as a row
    distance = i - j
    if causal:  # a sliding window over the past, as in Mistral 7B
        return (distance >= 0) & (distance <= radius)
    return distance.abs() <= radius  # radius neighbours on each side
# --8<-- [end:band_mask]


# --8<-- [start:local_attention_loop]
# Needs: checks.py:require
import torch


def local_attention_loop(queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                         radius: int, causal: bool = False) -> torch.Tensor:
    """Sliding-window attention, one query at a time: only the keys in its window are scored."""
    require(radius >= 0, f"radius must be at least 0 (a token sees itself), got {radius}")
    num_tokens, d_k = queries.shape[-2], queries.shape[-1]
    context = torch.empty_like(queries)
    for i in range(num_tokens):
        start = max(0, i - radius)
        stop = i + 1 if causal else min(num_tokens, i + radius + 1)
        scores = queries[..., i:i + 1, :] @ keys[..., start:stop, :].transpose(-2, -1)
        weights = torch.softmax(scores / d_k**0.5, dim=-1)  # (..., 1, stop - start)
        context[..., i:i + 1, :] = weights @ values[..., start:stop, :]
    return context
# --8<-- [end:local_attention_loop]


# --8<-- [start:local_attention]
# Needs: checks.py:require
import torch
import torch.nn.functional as F


def local_attention(queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                    radius: int, causal: bool = False) -> torch.Tensor:
    """Sliding-window attention for all queries at once, storing (num_tokens, width) scores."""
    require(radius >= 0, f"radius must be at least 0 (a token sees itself), got {radius}")
    num_tokens, d_k = queries.shape[-2], queries.shape[-1]
    left, right = radius, 0 if causal else radius
    width = left + 1 + right  # keys per query
    # 1. pad the sequence, then cut one window of keys (and values) per query
    padded_keys = F.pad(keys, (0, 0, left, right))  # (..., num_tokens + left + right, d_k)
    padded_values = F.pad(values, (0, 0, left, right))
    key_windows = padded_keys.unfold(-2, width, 1).transpose(-2, -1)  # (..., n, width, d_k)
    value_windows = padded_values.unfold(-2, width, 1).transpose(-2, -1)
    # 2. score each query against its own window only
    scores = (queries.unsqueeze(-2) @ key_windows.transpose(-2, -1)).squeeze(-2) / d_k**0.5
    # 3. padding is not a token: hide it before the softmax
    position = torch.arange(num_tokens, device=queries.device)[:, None] - left + \
        torch.arange(width, device=queries.device)[None, :]  # key position of each slot
    scores = scores.masked_fill((position < 0) | (position >= num_tokens), float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (..., num_tokens, width)
    return (weights.unsqueeze(-2) @ value_windows).squeeze(-2)  # (..., num_tokens, d_v)
# --8<-- [end:local_attention]
