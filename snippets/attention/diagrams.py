"""A concept diagram: attention as a weighted average of the tokens' vectors."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:weighted_average]
# Needs: checks.py:require
import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

CELL = 1.0  # width of one number's box
BAR = 6.0  # width of a weight of 1


def _vector(ax, x, y, values, gid):
    """One row of boxes, all one neutral grey (a value's size is not its importance), each with
    its number; the first box, whose weighted sum the figure writes out, framed in orange."""
    for k, value in enumerate(values):
        first = k == 0
        ax.add_patch(Rectangle((x + k * CELL, y - 0.35), CELL, 0.7, facecolor="#eeeeee",
                               edgecolor="#a34d00" if first else "#555555",
                               linewidth=2.0 if first else 0.8, zorder=2 if first else 1))
        ax.text(x + (k + 0.5) * CELL, y, f"{value:.2f}", ha="center", va="center", fontsize=11,
                gid=gid)


def weighted_average_diagram(inputs: torch.Tensor, words: list[str], query_index: int, ax=None):
    """Draw each token's vector, its attention weight for one query, and their weighted sum."""
    require(inputs.dim() == 2 and inputs.shape[0] == len(words),
            f"inputs has shape {tuple(inputs.shape)}: it must be ({len(words)}, d_in), "
            "one row per word")
    require(0 <= query_index < len(words),
            f"query_index must be in 0..{len(words) - 1}, got {query_index}")
    attn_weights = torch.softmax(inputs @ inputs[query_index], dim=0)  # (num_tokens,)
    context_vec = attn_weights @ inputs  # (d_in,): the weighted average
    num_tokens, d_in = inputs.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 4.6), dpi=110)
        ax.figure.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax.figure.set_facecolor("white")  # readable in both colour schemes of the site
    x_bar = d_in * CELL + 0.6  # where the weight bars start
    x_arrow = x_bar + BAR * attn_weights.max().item() + 0.8  # past the longest bar's number
    x_sum = x_arrow + 1.4  # the sum node
    x_out = x_sum + 0.7  # the context vector
    y_mid = (num_tokens - 1) / 2
    for i, (word, x_i, a_i) in enumerate(zip(words, inputs.tolist(), attn_weights.tolist(),
                                             strict=True)):
        y = num_tokens - 1 - i  # first token on top
        is_query = i == query_index
        ax.text(-0.2, y, word + (" (query)" if is_query else ""), ha="right", va="center",
                fontsize=12, fontweight="bold" if is_query else "normal", gid="word")
        _vector(ax, 0, y, x_i, gid="vector")
        ax.text(x_bar - 0.3, y, "×", ha="center", va="center", fontsize=12)
        ax.add_patch(Rectangle((x_bar, y - 0.25), BAR * a_i, 0.5, facecolor="#f28e2b",
                               edgecolor="#9a4f00", linewidth=0.8))
        ax.text(x_bar + BAR * a_i + 0.1, y, f"{a_i:.2f}", ha="left", va="center",
                fontsize=11, gid="weight")
        ax.add_patch(FancyArrowPatch((x_arrow, y), (x_sum - 0.3, y_mid), arrowstyle="-|>",
                                     mutation_scale=9, color="#777777", linewidth=0.8))
    ax.text(x_sum, y_mid, "Σ", ha="center", va="center", fontsize=18, gid="sum")
    _vector(ax, x_out, y_mid, context_vec.tolist(), gid="context")
    ax.add_patch(FancyArrowPatch((x_sum + 0.3, y_mid), (x_out - 0.05, y_mid),
                                 arrowstyle="-|>", mutation_scale=9, color="#777777"))
    query = words[query_index]
    for x, y, label in [(d_in * CELL / 2, num_tokens - 0.45, "its vector"),
                        (x_bar, num_tokens - 0.45, f"its weight for “{query}”"),
                        (x_out + d_in * CELL / 2, y_mid + 0.5, f"context vector of “{query}”")]:
        ax.text(x, y, label, ha="left" if x == x_bar else "center", va="bottom", fontsize=12,
                gid="heading")
    ax.text(0, -0.85, f"weight: softmax of the vector's dot product with “{query}”; the "
            f"weights sum to {attn_weights.sum():.2f}", ha="left", va="center", fontsize=11,
            color="#333333", gid="note")
    terms = " + ".join(f"{a_i:.2f}×{x_i:.2f}" for a_i, x_i in zip(attn_weights.tolist(),
                                                               inputs[:, 0].tolist(),
                                                               strict=True))
    ax.text(0, -1.5, "the framed numbers: each first number times its weight, summed",
            ha="left", va="center", fontsize=11, color="#a34d00", gid="note")
    ax.text(0, -2.1, f"{terms} ≈ {context_vec[0]:.2f}", ha="left", va="center", fontsize=11,
            color="#a34d00", gid="sum_of_first")
    ax.set_xlim(-3.3, x_out + d_in * CELL + 0.8)
    ax.set_ylim(-2.4, num_tokens + 0.1)
    ax.axis("off")
    return ax
# --8<-- [end:weighted_average]
