"""Lesson 03's concept diagram: a pipeline's three steps, from text to a label and its score."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:pipeline_steps_diagram]
# Needs: checks.py:require
import textwrap

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle

TOKEN_FILL, STEP_COLOR = "#dde8f4", "#a34d00"  # the token boxes; the arrows of the three steps
MAX_TOKENS = 16  # tokens drawn; a longer text ends with "…"


def pipeline_steps_diagram(text: str, tokens: list[str], ids: list[int],
                           logits: torch.Tensor, id2label: dict[int, str]):
    """Text, then its tokens and ids (1. preprocess), one logit per label (2. model), then the
    labels with their probabilities, most likely first (3. postprocess), top to bottom."""
    require(len(tokens) == len(ids) > 0,
            f"tokens and ids must be as many, and not none: got {len(tokens)} and {len(ids)}")
    require(logits.dim() == 1 and len(logits) == len(id2label),
            f"logits must hold one number per label ({len(id2label)}), got shape "
            f"{tuple(logits.shape)}")
    probabilities = torch.softmax(logits.detach().double().cpu(), dim=0)
    ranked = sorted(range(len(logits)), key=lambda i: -probabilities[i].item())
    fig, ax = plt.subplots(figsize=(10, 4.4), dpi=110)
    fig.set_facecolor("white")  # readable in both colour schemes of the site
    rows = {"text": 6.0, "tokens": 4.2, "ids": 3.6, "logits": 1.8, "output": 0.0}
    for name, y in rows.items():  # what each row holds, in the left column
        ax.text(-0.2, y, name, ha="right", va="center", fontsize=12, fontweight="bold",
                gid="row")
    ax.text(0, rows["text"], "\n".join(textwrap.wrap(repr(text), 75)), ha="left",
            va="center", fontsize=12, gid="text")
    shown = len(tokens) if len(tokens) <= MAX_TOKENS else MAX_TOKENS - 1
    for k, (token, token_id) in enumerate(zip(tokens[:shown], ids[:shown], strict=True)):
        ax.add_patch(Rectangle((k, rows["tokens"] - 0.25), 0.95, 0.5, facecolor=TOKEN_FILL,
                               edgecolor="#555555", linewidth=0.8))
        ax.text(k + 0.475, rows["tokens"], token, ha="center", va="center", fontsize=8.5,
                gid="token")
        ax.text(k + 0.475, rows["ids"], str(token_id), ha="center", va="center", fontsize=8.5,
                gid="id")
    if shown < len(tokens):
        ax.text(shown + 0.475, rows["tokens"], "…", ha="center", va="center", fontsize=12,
                gid="more")
    for i in range(len(logits)):  # in the model's order: label 0 first
        ax.text(i * 5.5, rows["logits"], f"{id2label[i]}  {logits[i].item():+.4f}",
                ha="left", va="center", fontsize=11, gid="logit")
    for k, i in enumerate(ranked):  # most likely first, as the pipeline returns them
        ax.text(k * 5.5, rows["output"], f"{id2label[i]}: {probabilities[i].item():.4f}",
                ha="left", va="center", fontsize=11, gid="score",
                fontweight="bold" if k == 0 else "normal")
    steps = [(rows["text"], rows["tokens"], "1. preprocess: the tokenizer cuts the text into "
              "tokens and looks up their ids"),
             (rows["ids"], rows["logits"], "2. model: one forward pass, one logit per label"),
             (rows["logits"], rows["output"], "3. postprocess: softmax, then the label names, "
              "most likely first")]
    for top, bottom, label in steps:
        ax.add_patch(FancyArrowPatch((0.3, top - 0.35), (0.3, bottom + 0.35), arrowstyle="-|>",
                                     mutation_scale=14, color=STEP_COLOR, linewidth=1.8))
        ax.text(0.7, (top + bottom) / 2, label, ha="left", va="center", fontsize=11,
                color=STEP_COLOR, gid="step")
    ax.set_xlim(-2.0, MAX_TOKENS + 0.2)
    ax.set_ylim(-0.6, 6.6)
    ax.axis("off")
    fig.tight_layout()
    return fig
# --8<-- [end:pipeline_steps_diagram]
