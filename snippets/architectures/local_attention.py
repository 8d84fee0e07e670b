"""Local (sliding-window) attention: each token attends only to its neighbours."""

# --8<-- [start:band_mask]
import torch


def band_mask(num_tokens: int, window: int, causal: bool = False) -> torch.Tensor:
    """True where query i may attend key j: |i - j| < window (or 0 <= i - j < window)."""
    check_window(window)
    i = torch.arange(num_tokens)[:, None]  # query positions, as a column
    j = torch.arange(num_tokens)[None, :]  # key positions, as a row
    distance = i - j
    if causal:  # a sliding window over the past, as in Mistral 7B
        return (distance >= 0) & (distance < window)
    return distance.abs() < window  # the same number of neighbours on each side


def check_window(window: int) -> None:
    """Raise ValueError unless the window holds at least one token."""
    if window < 1:
        raise ValueError(f"window must be at least 1 (a token sees itself), got {window}")
# --8<-- [end:band_mask]


# --8<-- [start:local_attention_loop]
# Needs: architectures/local_attention.py:band_mask
import torch


def local_attention_loop(queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                         window: int, causal: bool = False) -> torch.Tensor:
    """Sliding-window attention, one query at a time: only the keys in its window are scored."""
    check_window(window)
    num_tokens, d_k = queries.shape[-2], queries.shape[-1]
    context = torch.empty_like(queries)
    for i in range(num_tokens):
        start = max(0, i - window + 1)
        stop = i + 1 if causal else min(num_tokens, i + window)
        scores = queries[..., i:i + 1, :] @ keys[..., start:stop, :].transpose(-2, -1)
        weights = torch.softmax(scores / d_k**0.5, dim=-1)  # (..., 1, stop - start)
        context[..., i:i + 1, :] = weights @ values[..., start:stop, :]
    return context
# --8<-- [end:local_attention_loop]


# --8<-- [start:local_attention]
# Needs: architectures/local_attention.py:band_mask
import torch
import torch.nn.functional as F


def local_attention(queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                    window: int, causal: bool = False) -> torch.Tensor:
    """Sliding-window attention for all queries at once, storing (num_tokens, width) scores."""
    check_window(window)
    num_tokens, d_k = queries.shape[-2], queries.shape[-1]
    left, right = window - 1, 0 if causal else window - 1
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
