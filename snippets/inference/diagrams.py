"""Lesson 08's concept diagram: prefill reads the prompt once, decode reads one token a step."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:prefill_decode_diagram]
# Needs: checks.py:require
import matplotlib.pyplot as plt
from matplotlib.patches import Patch, Rectangle

READ_NOW, FROM_CACHE, CHOSEN = "#3b75af", "#c6dbef", "#4a9a4a"  # fill colours of the cells


def draw_prefill_decode(prompt_tokens: list[str], answer_tokens: list[str]):
    """One row per forward pass: the tokens it reads, those whose keys and values it takes
    from the KV cache, and the token it chooses; the cache grows by one position a step."""
    require(len(prompt_tokens) > 0 and len(answer_tokens) > 0,
            "the prompt and the answer need at least one token each")
    width = len(prompt_tokens) + len(answer_tokens) + 1  # the longest row, and its choice
    fig, ax = plt.subplots(figsize=(0.8 * width + 4.2, 0.62 * len(answer_tokens) + 1.3))
    for step, chosen in enumerate(answer_tokens):  # step 0 is the prefill
        tokens = prompt_tokens + answer_tokens[:step]
        first_new = 0 if step == 0 else len(tokens) - 1  # what this pass reads
        for i, token in enumerate(tokens):
            color = READ_NOW if i >= first_new else FROM_CACHE
            ax.add_patch(Rectangle((i, -step), 0.95, 0.8, color=color))
            ax.text(i + 0.475, -step + 0.4, repr(token)[1:-1], ha="center", va="center",
                    fontsize=11, color="white" if color == READ_NOW else "black")
        ax.annotate("", xy=(len(tokens) + 0.5, -step + 0.4), xytext=(len(tokens), -step + 0.4),
                    arrowprops={"arrowstyle": "->"})
        ax.add_patch(Rectangle((len(tokens) + 0.55, -step), 0.95, 0.8, color=CHOSEN))
        ax.text(len(tokens) + 1.025, -step + 0.4, repr(chosen)[1:-1], ha="center",
                va="center", fontsize=11, color="white")
        ax.text(-0.2, -step + 0.4, "prefill" if step == 0 else f"decode step {step}",
                ha="right", va="center", fontsize=11)
        ax.text(width + 0.3, -step + 0.4, f"cache now holds {len(tokens)}", ha="left",
                va="center", fontsize=11)
    ax.legend(handles=[Patch(color=READ_NOW, label="read by this forward pass"),
                       Patch(color=FROM_CACHE, label="keys and values from the KV cache"),
                       Patch(color=CHOSEN, label="next token, chosen from the logits")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False,
              fontsize=11)
    ax.set(xlim=(-2.4, width + 3.0), ylim=(-len(answer_tokens) + 0.6, 1.2))
    ax.set_title("Prefill reads the whole prompt once; each decode step reads one new token",
                 fontsize=12)
    ax.axis("off")
    fig.tight_layout()
    return fig
# --8<-- [end:prefill_decode_diagram]
