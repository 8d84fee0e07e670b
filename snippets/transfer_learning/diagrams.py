"""Lesson 05's concept diagram: pre-training, then fine-tuning; what is kept and what is new."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:transfer_diagram]
# Needs: checks.py:require
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

LEARNED, COPIED, NEW = "#3b75af", "#9ecae1", "#f28e2b"  # fill colours of the blocks
BLOCK_W, BLOCK_H, GAP = 3.2, 0.62, 0.18  # a block's size and the space between blocks
COLUMN_X = (0.0, 5.0, 10.0)  # pre-training, fine-tuning from it, training from random weights


def draw_transfer(body: list[str], pretraining_head: str, new_head: str,
                  pretraining_data: str, finetuning_data: str):
    """Three columns of the same model, bottom to top: pre-training learns the body and a
    head of its own; fine-tuning copies the body (an arrow per block), drops that head and
    puts a new one on top; from random weights, every block is new."""
    require(len(body) > 0, "the model needs at least one block below its head")
    fig, ax = plt.subplots(figsize=(10, 0.72 * (len(body) + 1) + 2.6))
    fig.set_facecolor("white")  # readable in both colour schemes of the site
    columns = [("1. Pre-training, then sentence-pair\nfine-tuning (done by others)",
                [LEARNED] * len(body) + [LEARNED], pretraining_head, pretraining_data),
               ("2. Fine-tuning,\nfrom the checkpoint",
                [COPIED] * len(body) + [NEW], new_head, finetuning_data),
               ("For comparison: the same\ntraining from random weights",
                [NEW] * len(body) + [NEW], new_head, finetuning_data)]
    for x, (title, colors, head, data) in zip(COLUMN_X, columns, strict=True):
        ax.text(x + BLOCK_W / 2, len(body) + 1.35, title, ha="center", va="bottom",
                fontsize=11, fontweight="bold")
        ax.text(x + BLOCK_W / 2, -0.55, data, ha="center", va="top", fontsize=9.5,
                style="italic")
        for level, (name, color) in enumerate(zip([*body, head], colors, strict=True)):
            ax.add_patch(Rectangle((x, level), BLOCK_W, BLOCK_H, facecolor=color,
                                   edgecolor="#333333", linewidth=0.8))
            ax.text(x + BLOCK_W / 2, level + BLOCK_H / 2, name, ha="center", va="center",
                    fontsize=10, color="white" if color == LEARNED else "black")
    for level in range(len(body)):  # every block of the body is copied, weights and all
        ax.add_patch(FancyArrowPatch((COLUMN_X[0] + BLOCK_W, level + BLOCK_H / 2),
                                     (COLUMN_X[1], level + BLOCK_H / 2), arrowstyle="-|>",
                                     mutation_scale=12, color="#3b75af", linewidth=1.2))
    ax.text((COLUMN_X[0] + BLOCK_W + COLUMN_X[1]) / 2, len(body) + BLOCK_H / 2,
            "head not kept", ha="center", va="center", fontsize=9.5, color="#555555")
    ax.legend(handles=[Patch(facecolor=LEARNED, edgecolor="#333333",
                             label="came with the checkpoint"),
                       Patch(facecolor=COPIED, edgecolor="#333333",
                             label="copied from the checkpoint, then trained further"),
                       Patch(facecolor=NEW, edgecolor="#333333",
                             label="new: random weights at the start")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False,
              fontsize=9.5)
    ax.set(xlim=(-0.3, COLUMN_X[2] + BLOCK_W + 0.3), ylim=(-1.5, len(body) + 2.3))
    ax.axis("off")
    fig.tight_layout()
    return fig
# --8<-- [end:transfer_diagram]
