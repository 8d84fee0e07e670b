"""Concept diagrams: attention as a weighted average of the tokens' vectors, and an
encoder-decoder RNN with and without attention."""

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


# --8<-- [start:encoder_decoder]
# Needs: checks.py:require
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

STEP = 1.6  # distance between two unrolled steps


def _arrow(ax, start, end, gid, **style):
    """One arrow between two points, grey unless told otherwise."""
    style = {"arrowstyle": "-|>", "mutation_scale": 10, "color": "#555555", **style}
    ax.add_patch(FancyArrowPatch(start, end, gid=gid, **style))


def encoder_decoder_diagram(source: list[str], target: list[str], attention: bool, ax=None):
    """An encoder RNN unrolled over `source` and a decoder RNN over `target`; with
    `attention`, every decoder step also reads every encoder state."""
    require(len(source) >= 1 and len(target) >= 1,
            f"source and target must hold at least one word each, got {source} and {target}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 2.8), dpi=110)
    ax.figure.set_facecolor("white")  # readable in both colour schemes of the site
    n, m = len(source), len(target)
    enc_x = [j * STEP for j in range(n)]
    dec_x = [(n + 0.5 + k) * STEP for k in range(m)]
    for states, xs, fill in [("h", enc_x, "#dde8f4"), ("s", dec_x, "#f6e3cf")]:
        for i, x in enumerate(xs, start=1):
            ax.add_patch(Rectangle((x - 0.45, -0.35), 0.9, 0.7, facecolor=fill,
                                   edgecolor="#333333", linewidth=0.9))
            ax.text(x, 0, f"${states}_{i}$", ha="center", va="center", fontsize=13,
                    gid="state")
        for x, next_x in zip(xs[:-1], xs[1:], strict=True):  # one state into the next
            _arrow(ax, (x + 0.45, 0), (next_x - 0.45, 0), gid="recurrence")
    for word, x in zip(source, enc_x, strict=True):  # the encoder reads a word at each step
        ax.text(x, -1.25, word, ha="center", va="center", fontsize=12, gid="source")
        _arrow(ax, (x, -1.0), (x, -0.38), gid="reads")
    for word, x in zip(target, dec_x, strict=True):  # the decoder writes one at each step
        ax.text(x, -1.25, word, ha="center", va="center", fontsize=12, gid="target")
        _arrow(ax, (x, -0.38), (x, -1.0), gid="writes")
    _arrow(ax, (enc_x[-1] + 0.45, 0), (dec_x[0] - 0.45, 0), gid="handover",
           color="#a34d00", linewidth=1.8)
    if attention:  # every decoder step mixes every encoder state, weighted
        for x in dec_x:
            for h_x in enc_x:
                _arrow(ax, (h_x, 0.38), (x, 0.38), gid="attends", color="#a34d00",
                       linewidth=0.7, alpha=0.55, connectionstyle="arc3,rad=-0.35")
        title = f"with attention: every decoder step also reads a weighted mix of $h_1$ to $h_{n}$"
    else:
        title = f"without attention: the decoder gets only the last encoder state, $h_{n}$"
    ax.text(enc_x[0] - 0.5, 2.45 if attention else 1.0, title, ha="left", va="center",
            fontsize=12, gid="title")
    ax.text((enc_x[0] + enc_x[-1]) / 2, -1.8, "encoder", ha="center", fontsize=11,
            color="#555555", gid="part")
    ax.text((dec_x[0] + dec_x[-1]) / 2, -1.8, "decoder", ha="center", fontsize=11,
            color="#555555", gid="part")
    ax.set_xlim(enc_x[0] - 0.8, dec_x[-1] + 0.8)
    ax.set_ylim(-2.0, 2.7 if attention else 1.3)
    ax.axis("off")
    return ax


def encoder_decoder_figure(source: list[str], target: list[str]):
    """The encoder-decoder without attention above, and with attention below."""
    fig, (ax_plain, ax_attention) = plt.subplots(2, 1, figsize=(8.5, 5.6), dpi=110,
                                                 height_ratios=[3.3, 4.7])
    encoder_decoder_diagram(source, target, attention=False, ax=ax_plain)
    encoder_decoder_diagram(source, target, attention=True, ax=ax_attention)
    fig.tight_layout()
    return fig
# --8<-- [end:encoder_decoder]
