"""Lesson 02's concept diagram: text, then tokens, then a vector per token, then one vector
per sentence, then one number for the pair."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:text_to_similarity]
# Needs: checks.py:require
import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

SHOWN = 8  # how many numbers of each vector the figure shows
CELL = 0.42  # width of one number's cell
ROW = 0.62  # height of one token's row


def _numbers(ax, x, y, values, gid):
    """One vector's first numbers as a row of coloured cells (blue below 0, red above)."""
    for k, value in enumerate(values):
        ax.add_patch(Rectangle((x + k * CELL, y - 0.22), CELL, 0.44, gid=gid, linewidth=0.5,
                               facecolor=plt.cm.RdBu_r(0.5 + max(-0.5, min(0.5, value))),
                               edgecolor="#555555"))


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                 color="#555555", linewidth=0.9))


def text_to_similarity_diagram(sentences: list[str], tokens: list[list[str]],
                               token_vectors: list[torch.Tensor]):
    """Two sentences, their tokens, a vector per token, the mean of each sentence's vectors,
    and the cosine of the two means. token_vectors[i] is (len(tokens[i]), hidden_size)."""
    require(len(sentences) == len(tokens) == len(token_vectors) == 2,
            f"give two sentences, with their tokens and vectors, got {len(sentences)}")
    for words, vectors in zip(tokens, token_vectors, strict=True):
        require(vectors.dim() == 2 and vectors.shape[0] == len(words),
                f"token vectors of shape {tuple(vectors.shape)} for {len(words)} tokens: "
                "give one row per token")
    means = [vectors.float().mean(dim=0) for vectors in token_vectors]  # mean pooling
    cosine = torch.nn.functional.cosine_similarity(means[0], means[1], dim=0).item()
    scale = max(v[:, :SHOWN].abs().max().item() for v in token_vectors) * 2  # to -0.5..0.5
    x_tokens, x_vectors = 3.3, 5.0
    x_mean = x_vectors + SHOWN * CELL + 1.0
    x_cosine = x_mean + SHOWN * CELL + 1.3
    fig, ax = plt.subplots(figsize=(10, 0.34 * sum(map(len, tokens)) + 1.8), dpi=110)
    fig.set_facecolor("white")  # readable in both colour schemes of the site
    top, middles = 0.0, []
    for sentence, words, vectors, mean in zip(sentences, tokens, token_vectors, means,
                                              strict=True):
        middle = top - ROW * (len(words) - 1) / 2
        middles.append(middle)
        ax.text(0, middle, f"“{sentence}”", ha="left", va="center", fontsize=12, gid="text")
        _arrow(ax, (2.5, middle), (x_tokens - 0.15, middle))
        for i, (word, vector) in enumerate(zip(words, vectors, strict=True)):
            y = top - ROW * i
            ax.text(x_tokens, y, word, ha="left", va="center", fontsize=11,
                    family="monospace", gid="token")
            _numbers(ax, x_vectors, y, (vector[:SHOWN] / scale).tolist(), gid="token_vector")
        _arrow(ax, (x_vectors + SHOWN * CELL + 0.1, middle), (x_mean - 0.1, middle))
        _numbers(ax, x_mean, middle, (mean[:SHOWN] / scale).tolist(), gid="sentence_vector")
        top -= ROW * (len(words) + 1.5)
    y_cosine = sum(middles) / 2
    for middle in middles:  # both sentence vectors meet in one number
        _arrow(ax, (x_mean + SHOWN * CELL + 0.1, middle), (x_cosine - 0.1, y_cosine))
    ax.text(x_cosine, y_cosine, f"cosine\n{cosine:.2f}", ha="left", va="center", fontsize=13,
            fontweight="bold", gid="cosine")
    for x, label in [(0, "text"), (x_tokens, "tokens"),
                     (x_vectors, f"a vector per token\n(first {SHOWN} of "
                                 f"{token_vectors[0].shape[1]} numbers)"),
                     (x_mean, "their mean:\none vector a sentence"),
                     (x_cosine, "one number\nfor the pair")]:
        ax.text(x, ROW + 0.25, label, ha="left", va="bottom", fontsize=11, color="#333333",
                gid="heading")
    ax.text(x_vectors, top + ROW * 1.1, "cell colour: blue below 0, white near 0, red above 0",
            ha="left", va="center", fontsize=10, color="#333333", gid="legend")
    ax.set_xlim(-0.1, x_cosine + 1.6)
    ax.set_ylim(top + ROW, ROW + 1.3)
    ax.axis("off")
    fig.tight_layout()
    return fig
# --8<-- [end:text_to_similarity]
