"""Lesson 09's concept diagram: where bias enters a model's life, stage by stage."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:bias_stages]
# Each stage of a model's life: its name, what bias can enter there, what it hands to the
# next stage, and where this lesson probes it ("" where it does not).
BIAS_STAGES = [
    ("data", "text written by people:\nwho wrote it, about whom,\nwhat is over- or\n"
     "under-represented", "the corpus", ""),
    ("pre-training", "the model learns the\nassociations of that text:\n\"The woman worked\n"
     "as a\" -> nurse", "the weights",
     "probed here: job words,\nassociation test: what\nthe trained models carry"),
    ("fine-tuning", "a small labelled set adds\nits own skews; it does not\nremove the "
     "pre-trained\nmodel's", "the fine-tuned model",
     "probed here: a skewed\ntraining set: what\nfine-tuning adds"),
    ("use", "prompts, and decisions\nbuilt on the outputs:\nwhere a bias does harm", "", ""),
]
# --8<-- [end:bias_stages]


# --8<-- [start:where_bias_enters]
# Needs: checks.py:require
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

STAGE_FILL, STAGE_EDGE, NOTE_COLOR, PROBE_COLOR = "#dde8f4", "#3b75af", "#333333", "#a34d00"


def draw_where_bias_enters(stages: list[tuple[str, str, str, str]]):
    """One box per stage of a model's life, left to right, with what bias can enter there
    below it, where the lesson probes it, and an arrow naming what each stage hands on."""
    require(len(stages) >= 2, f"need at least two stages, got {len(stages)}")
    fig, ax = plt.subplots(figsize=(10, 4.0), dpi=110)
    fig.set_facecolor("white")  # readable in both colour schemes of the site
    step = 3.0  # distance between two stages
    for k, (name, enters, hands_on, probed_by) in enumerate(stages):
        x = k * step
        ax.add_patch(FancyBboxPatch((x - 0.95, 0.55), 1.9, 0.8, boxstyle="round,pad=0.05",
                                    facecolor=STAGE_FILL, edgecolor=STAGE_EDGE, linewidth=1.2))
        ax.text(x, 0.95, f"{k + 1}. {name}", ha="center", va="center", fontsize=13,
                fontweight="bold", gid="stage")
        ax.text(x, 0.3, enters, ha="center", va="top", fontsize=10.5, color=NOTE_COLOR,
                gid="enters")
        if k < len(stages) - 1:  # what this stage hands to the next
            ax.add_patch(FancyArrowPatch((x + 1.05, 0.95), (x + step - 1.05, 0.95),
                                         arrowstyle="-|>", mutation_scale=14, color="#555555",
                                         linewidth=1.2))
            ax.text(x + step / 2, 1.45, hands_on, ha="center", va="bottom", fontsize=10,
                    color="#555555", style="italic", gid="hands_on")
        if probed_by:
            ax.text(x, -1.0, probed_by, ha="center", va="top", fontsize=10.5,
                    color=PROBE_COLOR, gid="probed_by")
    ax.text(-1.0, 2.25, "Bias can enter at every stage, and each stage passes on what came "
            "before", ha="left", va="center", fontsize=12.5, gid="title")
    ax.set(xlim=(-1.2, (len(stages) - 1) * step + 1.2), ylim=(-2.0, 2.45))
    ax.axis("off")
    fig.tight_layout()
    return fig
# --8<-- [end:where_bias_enters]
