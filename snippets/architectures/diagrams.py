"""Concept diagram: the three attention masks of the three architectures, side by side."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:masks_diagram]
# Needs: checks.py:require
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

MAY = "#4e79a7"  # a query may attend to this key
FRAME = "#a34d00"  # the row the note under the figure reads out
LABELS = 1.6  # room on the left of a grid for its query tokens
GAP = 1.0  # room between two grids


def _mask_panel(ax, x: float, mask: list[list[bool]], queries: list[str], keys: list[str],
                title: str, subtitle: str, framed_row: int | None):
    """One mask as a grid of blocks from x on: a row per query (top down), a column per key,
    filled where the query may attend; `framed_row` framed in orange."""
    for i, row in enumerate(mask):
        for j, may in enumerate(row):
            ax.add_patch(Rectangle((x + j + 0.04, -i - 0.96), 0.92, 0.92,
                                   facecolor=MAY if may else "white",
                                   edgecolor=MAY if may else "#aaaaaa", linewidth=1,
                                   gid="may" if may else "hidden"))
    for i, query in enumerate(queries):
        ax.text(x - 0.12, -i - 0.5, query, ha="right", va="center", fontsize=11, gid="query")
    for j, key in enumerate(keys):
        ax.text(x + j + 0.5, 0.12, key, ha="center", va="bottom", fontsize=11, gid="key")
    if framed_row is not None:
        ax.add_patch(Rectangle((x - 0.04, -framed_row - 1.04), len(keys) + 0.08, 1.08,
                               fill=False, edgecolor=FRAME, linewidth=2.2, gid="frame"))
    ax.text(x + len(keys) / 2, 1.35, title, ha="center", va="bottom", fontsize=11.5,
            fontweight="bold", gid="title")
    ax.text(x + len(keys) / 2, 0.8, subtitle, ha="center", va="bottom", fontsize=10,
            color="#555555", gid="subtitle")


def masks_diagram(source: list[str], target: list[str], query: int = 1, ax=None):
    """The encoder's bidirectional mask over `source`, the decoder's causal mask over
    `target`, and cross-attention from `target` to `source`, side by side; the row of
    target[query] framed in the last two."""
    require(len(source) >= 1 and len(target) >= 1,
            f"source and target must hold at least one token each, got {source} and {target}")
    require(0 <= query < len(target), f"query must be in 0..{len(target) - 1}, got {query}")
    n, m = len(source), len(target)
    if ax is None:
        _, ax = plt.subplots(figsize=(10.5, 4.2), dpi=110)
        ax.figure.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax.figure.set_facecolor("white")  # readable in both colour schemes of the site
    x_decoder = LABELS + n + GAP + LABELS
    x_cross = x_decoder + m + GAP + LABELS
    _mask_panel(ax, LABELS, [[True] * n for _ in range(n)], source, source,
                "encoder: bidirectional", "source to source", None)
    _mask_panel(ax, x_decoder, [[j <= i for j in range(m)] for i in range(m)], target, target,
                "decoder: causal", "target to its own past", query)
    _mask_panel(ax, x_cross, [[True] * n for _ in range(m)], target, source,
                "cross-attention", "target to source", query)
    rows = max(n, m)
    ax.text(0, -rows - 0.45, "rows: queries (attending); columns: keys (attended to); "
            "filled: may attend", ha="left", va="center", fontsize=10.5, color="#333333",
            gid="note")
    seen = ", ".join(target[: query + 1])
    unseen = f", not {', '.join(target[query + 1:])}" if query + 1 < m else ""
    ax.text(0, -rows - 1.05, f"framed: “{target[query]}” sees {seen} in the decoder{unseen}; "
            f"and every source token, {', '.join(source)}, through cross-attention",
            ha="left", va="center", fontsize=10.5, color=FRAME, gid="note")
    ax.set_xlim(-0.1, x_cross + n + 0.2)
    ax.set_ylim(-rows - 1.4, 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
# --8<-- [end:masks_diagram]
