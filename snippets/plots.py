"""Figures the lessons draw: attention heatmaps and curves on a log scale."""

# --8<-- [start:attention_heatmap]
import matplotlib.pyplot as plt
import torch


def attention_heatmap(
    weights: torch.Tensor, tokens: list[str], ax=None, title: str = "",
    query_tokens: list[str] | None = None, xlabel: str = "key (attended to)",
    ylabel: str = "query (attending)",
):
    """Draw a (num_queries, num_keys) attention matrix with its tokens and values."""
    query_tokens = tokens if query_tokens is None else query_tokens
    if weights.dim() != 2 or weights.shape != (len(query_tokens), len(tokens)):
        raise ValueError(
            f"weights has shape {tuple(weights.shape)}: it must be "
            f"({len(query_tokens)}, {len(tokens)}), one row per query and one column per key"
        )
    ax = ax or plt.gca()
    values = weights.detach().float().cpu().numpy()
    ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(query_tokens)), query_tokens)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            color = "white" if values[i, j] > 0.6 else "black"
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7, color=color)
    return ax
# --8<-- [end:attention_heatmap]


# --8<-- [start:log_curves]
import matplotlib.pyplot as plt
import torch


def log_curves(curves: dict[str, torch.Tensor], xlabel: str, ylabel: str, title: str, ax=None):
    """Plot each named curve against 1..n on a logarithmic y axis."""
    if not curves:
        raise ValueError("curves must hold at least one named curve, got {}")
    ax = ax or plt.gca()
    for label, values in curves.items():
        values = values.detach().float().cpu().numpy()
        ax.semilogy(range(1, len(values) + 1), values, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax
# --8<-- [end:log_curves]
