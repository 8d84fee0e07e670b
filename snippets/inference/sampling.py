"""Sampling from raw logits: temperature, top-k, top-p (nucleus), in the order generate() uses."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:temperature]
# Needs: checks.py:require
import torch


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide the logits by the temperature: > 1 flattens the distribution, < 1 sharpens it."""
    require(temperature > 0, f"temperature must be > 0 here, got {temperature} "
            "(temperature 0 means greedy: take the argmax instead of sampling)")
    return logits / temperature
# --8<-- [end:temperature]


# --8<-- [start:top_k]
# Needs: checks.py:require
import torch


def top_k_filter(logits: torch.Tensor, top_k: int) -> torch.Tensor:
    """Keep the k largest logits (and any tied with the k-th); set the rest to -inf."""
    require(top_k >= 1, f"top_k must be >= 1, got {top_k}")
    top_k = min(top_k, logits.shape[-1])
    kth_largest = torch.topk(logits, top_k).values[..., -1:]  # (batch_size, 1)
    return logits.masked_fill(logits < kth_largest, -torch.inf)
# --8<-- [end:top_k]


# --8<-- [start:top_p_loop]
# Needs: checks.py:require
import torch


def top_p_filter_loop(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Top-p one token at a time: keep the most likely tokens until they reach top_p."""
    require(0 < top_p <= 1, f"top_p must be in (0, 1], got {top_p}")
    probs = torch.softmax(logits.double(), dim=-1)  # (batch_size, vocab_size), sums to 1 closely
    filtered = torch.full_like(logits, -torch.inf)  # every token removed, until kept below
    for row in range(logits.shape[0]):
        kept_mass = 0.0  # probability of the tokens kept so far
        for token_id in torch.argsort(probs[row], descending=True).tolist():
            filtered[row, token_id] = logits[row, token_id]  # keep this token
            kept_mass += probs[row, token_id].item()
            if kept_mass >= top_p:  # the nucleus reaches at least top_p: stop
                break
    return filtered
# --8<-- [end:top_p_loop]


# --8<-- [start:top_p]
# Needs: checks.py:require
import torch


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of most likely tokens whose probabilities reach at least top_p."""
    require(0 < top_p <= 1, f"top_p must be in (0, 1], got {top_p}")
    sorted_logits, sorted_ids = torch.sort(logits, descending=False)  # least likely first
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    # drop the unlikely tail as long as it holds at most 1 - top_p: what is left reaches top_p
    sorted_to_remove = cumulative_probs <= 1 - top_p
    sorted_to_remove[..., -1] = False  # always keep the most likely token
    to_remove = sorted_to_remove.scatter(-1, sorted_ids, sorted_to_remove)  # back to vocab order
    return logits.masked_fill(to_remove, -torch.inf)
# --8<-- [end:top_p]


# --8<-- [start:sample]
# Needs: checks.py:require
# Needs: inference/sampling.py:temperature, inference/sampling.py:top_k, inference/sampling.py:top_p
import torch


def sample_next_token(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """One token id per row: temperature, then top-k, then top-p, then softmax and a draw."""
    require(temperature >= 0, f"temperature must be >= 0, got {temperature} (0 means greedy)")
    if temperature not in (0, 1):
        logits = apply_temperature(logits, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    if temperature == 0:
        return logits.argmax(dim=-1)  # greedy: no randomness left
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1).squeeze(-1)  # (batch_size,)
# --8<-- [end:sample]


# Drawing only, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:plot_temperatures]
# Needs: inference/sampling.py:temperature, checks.py:require
import matplotlib.pyplot as plt
import torch


def plot_temperatures(logits: torch.Tensor, tokenizer, temperatures: list[float], k: int = 10):
    """Bars of the k most likely next tokens' probabilities at each temperature."""
    require(len(temperatures) > 0, "temperatures must hold at least one temperature, got []")
    top_ids = logits.topk(k).indices
    labels = [repr(tokenizer.decode(token_id)) for token_id in top_ids]
    fig, axes = plt.subplots(1, len(temperatures), figsize=(3.6 * len(temperatures), 3.4),
                             sharey=True, squeeze=False)
    for ax, temperature in zip(axes[0], temperatures, strict=True):
        probs = torch.softmax(apply_temperature(logits, temperature), dim=-1)[top_ids]
        ax.barh(range(k), probs.cpu().numpy()[::-1], color="tab:blue")
        ax.set_yticks(range(k), labels[::-1])
        ax.set(xlim=(0, 1), xlabel="probability",
               title=f"temperature {temperature}: top {k} hold {probs.sum():.2f}")
    fig.tight_layout()
    return fig
# --8<-- [end:plot_temperatures]


# --8<-- [start:plot_filters]
# Needs: inference/sampling.py:top_k, inference/sampling.py:top_p
import matplotlib.pyplot as plt
import torch


def plot_filters(logits: torch.Tensor, tokenizer, top_k: int, top_p: float, n: int = 15):
    """The n most likely tokens, marking which survive top-k and which survive top-p; each
    title counts the survivors in the whole vocabulary."""
    probs = torch.softmax(logits, dim=-1)
    top_ids = probs.topk(n).indices
    labels = [repr(tokenizer.decode(token_id)) for token_id in top_ids]
    kept = {"top-k": top_k_filter(logits, top_k), "top-p": top_p_filter(logits, top_p)}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, (name, filtered) in zip(axes, kept.items(), strict=True):
        survives = torch.isfinite(filtered[top_ids]).cpu().numpy()
        colors = ["tab:green" if keep else "lightgray" for keep in survives]
        ax.barh(range(n), probs[top_ids].cpu().numpy()[::-1], color=colors[::-1])
        ax.set_yticks(range(n), labels[::-1])
        setting = f"k = {top_k}" if name == "top-k" else f"p = {top_p}"
        total = torch.isfinite(filtered).sum().item()  # over the whole vocabulary
        ax.set(xlabel="probability", title=f"{name}, {setting}: {total} kept (green)")
    fig.tight_layout()
    return fig
# --8<-- [end:plot_filters]
# pragma: no mutate end
