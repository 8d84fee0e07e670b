"""Lesson 01's concept diagram: the libraries of the Hugging Face ecosystem and what flows
between them, as the lesson runs them."""

# --8<-- [start:ecosystem_diagram]
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# Each library's box: its centre (x, y) and what it does in this lesson.
LIBRARIES = {
    "Hub": ((6.0, 5.0), "checkpoints by name, cached\n(here: pip packages, offline)"),
    "Tokenizers": ((3.0, 2.6), "text → token ids,\nwith offsets"),
    "Transformers": ((9.0, 2.6), "config + weights → model;\nids → logits or hidden states"),
    "Datasets": ((3.0, 0.2), "CSV → Arrow table:\nmap, filter, split"),
    "Accelerate": ((9.0, 0.2), "model and batches\non one device"),
}
# What flows from one library to another: (from, to, label).
FLOWS = [
    ("Hub", "Tokenizers", "tokenizer.json"),
    ("Hub", "Transformers", "config.json, weights"),
    ("Tokenizers", "Transformers", "token ids"),
    ("Datasets", "Tokenizers", "rows of text\n(fine-tuning, lesson 05)"),
    ("Accelerate", "Transformers", "device"),
]
BOX_WIDTH, BOX_HEIGHT = 3.7, 1.3


def _edge(name: str, towards: str) -> tuple[float, float]:
    """The point where an arrow from box `name` towards box `towards` leaves its frame."""
    (x, y), (x_to, y_to) = LIBRARIES[name][0], LIBRARIES[towards][0]
    if y == y_to:  # side by side: leave by the left or the right side
        return (x + BOX_WIDTH / 2 if x_to > x else x - BOX_WIDTH / 2, y)
    return (x, y - BOX_HEIGHT / 2 if y_to < y else y + BOX_HEIGHT / 2)


def ecosystem_diagram(ax=None):
    """Draw the five libraries as boxes, each with its job, and an arrow for each flow."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9.0, 5.6), dpi=110)
    ax.figure.set_facecolor("white")  # readable in both colour schemes of the site
    for name, ((x, y), job) in LIBRARIES.items():
        ax.add_patch(FancyBboxPatch((x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2), BOX_WIDTH,
                                    BOX_HEIGHT, boxstyle="round,pad=0.05", facecolor="#dde8f4",
                                    edgecolor="#333333", linewidth=1.0, gid=f"box:{name}"))
        ax.text(x, y + 0.32, name, ha="center", va="center", fontsize=13, fontweight="bold",
                gid="library")
        ax.text(x, y - 0.2, job, ha="center", va="center", fontsize=10, color="#333333",
                gid="job")
    for start, end, label in FLOWS:
        (x0, y0), (x1, y1) = _edge(start, end), _edge(end, start)
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14,
                                     color="#a34d00", linewidth=1.6, shrinkA=2, shrinkB=2,
                                     gid=f"flow:{start}->{end}"))
        x_mid, y_mid = (x0 + x1) / 2, (y0 + y1) / 2
        if y0 == y1:  # a horizontal arrow: its label above it
            x_label, y_label, align = x_mid, y_mid + 0.25, "center"
        elif x1 > x0:  # going right: its label on its right
            x_label, y_label, align = x_mid + 0.15, y_mid + 0.15, "left"
        elif x1 < x0:  # going left: on its left
            x_label, y_label, align = x_mid - 0.15, y_mid + 0.15, "right"
        else:  # vertical: on its right
            x_label, y_label, align = x_mid + 0.15, y_mid, "left"
        ax.text(x_label, y_label, label, ha=align, va="center", fontsize=10, color="#a34d00",
                gid="flow_label")
    ax.text(-0.2, 3.75, "text", ha="center", va="center", fontsize=11, style="italic",
            gid="text_in")  # the reader's text enters the tokenizer
    ax.add_patch(FancyArrowPatch((0.0, 3.55), (1.1, 2.95), arrowstyle="-|>", mutation_scale=14,
                                 color="#a34d00", linewidth=1.6, gid="flow:text->Tokenizers"))
    ax.set_xlim(-0.7, 11.1)
    ax.set_ylim(-0.7, 5.9)
    ax.axis("off")
    return ax
# --8<-- [end:ecosystem_diagram]
