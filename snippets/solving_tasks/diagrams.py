"""Lesson 06's concept diagram: one pre-trained body, and task heads that plug onto it."""

from snippets.checks import require  # shown in lessons by its own section
from snippets.solving_tasks.task_heads import describe_head, task_head  # shown by its own section

# --8<-- [start:body_and_heads_diagram]
# Needs: checks.py:require, solving_tasks/task_heads.py:task_head
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

BODY, VECTOR, HEAD, SPARE = "#3b75af", "#c6dbef", "#4a9a4a", "#9e9e9e"  # fill colours
# What each BERT head reads from the body, and what it gives back (one line each); the
# arrows into a head start from the vectors it reads: the first token's ([CLS]) or all.
HEAD_ROLES = {
    "BertForSequenceClassification": ("text classification",
                                      "reads the [CLS] vector (pooled)", "one score per class"),
    "BertForTokenClassification": ("token classification",
                                   "reads every token's vector", "scores per label, per token"),
    "BertForQuestionAnswering": ("question answering",
                                 "reads every token's vector", "start and end score per token"),
}
READS_CLS_ONLY = {"BertForSequenceClassification"}


def draw_body_and_heads(models: dict, tokens: list[str]):
    """The body that `models` share, drawn once under the tokens' vectors, and each model's
    head plugged on top of it (with its layers and size), plus an empty slot for a new head."""
    bodies = {id(model.base_model) for model in models.values()}
    require(len(models) > 0 and len(bodies) == 1, f"the models must share one body, got "
                                                  f"{len(bodies)} bodies for {len(models)}")
    require(all(name in HEAD_ROLES for name in models),
            f"no role for {sorted(set(models) - set(HEAD_ROLES))}; known: {sorted(HEAD_ROLES)}")
    body = next(iter(models.values())).base_model
    slots = len(models) + 1  # the heads, then a free slot
    fig, ax = plt.subplots(figsize=(12, 6.4))
    width = 3.6 * slots
    step = width / len(tokens)
    for i, token in enumerate(tokens):  # the input, and one vector per token above the body
        x = i * step + step / 2
        ax.text(x, 0.2, token, ha="center", va="center", fontsize=13, gid="token")
        ax.add_patch(FancyArrowPatch((x, 0.45), (x, 0.9), arrowstyle="-|>", mutation_scale=10,
                                     color="black", gid="input"))
        ax.add_patch(Rectangle((x - 0.35, 2.75), 0.7, 0.5, facecolor=VECTOR, edgecolor=BODY,
                               gid="vector"))
    num_params = sum(p.numel() for p in body.parameters())
    ax.add_patch(FancyBboxPatch((0.1, 1.0), width - 0.2, 1.45, boxstyle="round,pad=0.05",
                                color=BODY, gid="body"))
    ax.text(width / 2, 2.1, f"one pre-trained body: {type(body).__name__}, "
            f"{body.config.num_hidden_layers} layers", ha="center", va="center", fontsize=15,
            color="white", weight="bold", gid="body_label")
    ax.text(width / 2, 1.7, f"{num_params / 1e6:.1f}M parameters, "
            f"shared by the {len(models)} heads", ha="center", va="center", fontsize=13,
            color="white", gid="body_label")
    ax.text(width / 2, 1.3, f"gives one vector of {body.config.hidden_size} numbers per "
            "token", ha="center", va="center", fontsize=13, color="white", gid="vectors_label")
    head_w = 3.3
    for slot, (name, model) in enumerate([*models.items(), (None, None)]):
        x = slot * 3.6 + 0.15
        if model is None:  # a free slot: any other head plugs in the same way
            ax.add_patch(FancyArrowPatch((x + head_w / 2, 3.3), (x + head_w / 2, 4.3),
                                         arrowstyle="-|>", mutation_scale=14, color=SPARE,
                                         linestyle="--", gid="plugs"))
            ax.add_patch(FancyBboxPatch((x, 4.35), head_w, 1.9, boxstyle="round,pad=0.05",
                                        facecolor="white", edgecolor=SPARE, linestyle="--",
                                        gid="spare"))
            ax.text(x + head_w / 2, 5.3, "your task's head:\nnew, small, trained\n"
                    "by fine-tuning", ha="center", va="center", fontsize=12, color="#555555",
                    gid="spare_label")
            continue
        task, reads, gives = HEAD_ROLES[name]
        read = range(1) if name in READS_CLS_ONLY else range(len(tokens))
        for i in read:  # an arrow from each vector the head reads, into the head
            ax.add_patch(FancyArrowPatch((i * step + step / 2, 3.3),
                                         (x + head_w * (i + 0.5) / len(read), 4.3),
                                         arrowstyle="-|>", mutation_scale=10 if len(read) > 1
                                         else 14, linewidth=0.8 if len(read) > 1 else 1.6,
                                         color="black", gid="plugs"))
        head_params = sum(p.numel() for module in task_head(model).values()
                          for p in module.parameters())
        ax.add_patch(FancyBboxPatch((x, 4.35), head_w, 1.9, boxstyle="round,pad=0.05",
                                    color=HEAD, gid="head"))
        ax.text(x + head_w / 2, 5.95, task, ha="center", va="center", fontsize=14,
                color="white", weight="bold", gid="task")
        ax.text(x + head_w / 2, 5.4, f"{describe_head(model)}\n{head_params:,} parameters",
                ha="center", va="center", fontsize=12, color="white", gid="head_label")
        ax.text(x + head_w / 2, 4.75, f"{reads}\n{gives}", ha="center", va="center",
                fontsize=11, color="white", gid="reads")
    ax.set(xlim=(-0.1, width + 0.1), ylim=(-0.1, 6.5))
    ax.set_title("A task model is a body and a head: the heads swap, the body stays",
                 fontsize=13)
    ax.axis("off")
    fig.patch.set_facecolor("white")
    fig.tight_layout()
    return fig
# --8<-- [end:body_and_heads_diagram]
