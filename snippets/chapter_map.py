"""The home page's picture of the chapter: the lessons in reading order, and an arrow from
each lesson to the later ones that build on it directly, read from the links between them."""

import re

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# A link from one lesson to another, as lessons write it: [text](../04-how-transformers-work/)
LESSON_LINK = re.compile(r"\]\(\.\./(\d\d-[\w-]+)/")
BOX_WIDTH, BOX_HEIGHT, ROW = 6.4, 0.62, 0.9  # a lesson's box, and the distance between two
PORT = 0.12  # arrows leave a box below its middle and arrive above the middle of another


def chapter_links(sources: dict[str, str]) -> list[tuple[str, str]]:
    """The pairs (earlier, later) of lessons where the later one builds directly on the
    earlier: one links to the other, and no chain of such pairs joins them already.

    `sources` maps each lesson's stem ("04-how-transformers-work") to its Markdown; a link
    back means the later lesson uses the earlier one, a link ahead that the later one goes
    further. Links to pages that are not in `sources` (deep dives, other pages) are left out.
    """
    pairs = {tuple(sorted((stem, target))) for stem, text in sources.items()
             for target in LESSON_LINK.findall(text) if target in sources and target != stem}
    return sorted(nx.transitive_reduction(nx.DiGraph(pairs)).edges)


def chapter_map(lessons: dict[str, str], links: list[tuple[str, str]], ax=None):
    """Draw the lessons ({stem: title}, in reading order) top to bottom, and each link as an
    arrow from the earlier lesson to the later one, arcing to the right of the boxes."""
    order = list(lessons)
    unknown = sorted({stem for pair in links for stem in pair} - set(order))
    if unknown:
        raise ValueError(f"links name lessons {unknown} that are not among {order}")
    if any(order.index(earlier) >= order.index(later) for earlier, later in links):
        raise ValueError(f"each link must run from an earlier lesson to a later one: {links}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8.4, 0.62 * len(order) + 0.6), dpi=110)
    ax.figure.set_facecolor("white")  # readable in both colour schemes of the site
    y = {stem: -ROW * row for row, stem in enumerate(order)}  # the first lesson on top
    for stem, title in lessons.items():
        ax.add_patch(FancyBboxPatch((0, y[stem] - BOX_HEIGHT / 2), BOX_WIDTH, BOX_HEIGHT,
                                    boxstyle="round,pad=0.04", facecolor="#dde8f4",
                                    edgecolor="#333333", linewidth=1.0, gid=f"lesson:{stem}"))
        ax.text(0.2, y[stem], f"{stem[:2]}  {title}", ha="left", va="center", fontsize=11,
                gid="lesson_title")
    for earlier, later in links:  # longer spans arc further out, so the arcs nest
        start, end = (BOX_WIDTH, y[earlier] - PORT), (BOX_WIDTH, y[later] + PORT)
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle="arc3,rad=-0.45",
                                     arrowstyle="-|>",
                                     mutation_scale=11, color="#a34d00", linewidth=1.2,
                                     shrinkA=3, shrinkB=3, gid=f"link:{earlier}->{later}"))
    span = ROW * (len(order) - 1)
    ax.set_xlim(-0.2, BOX_WIDTH + 0.25 * span + 0.6)
    ax.set_ylim(-span - 0.5, 0.5)
    ax.axis("off")
    return ax


def chapter_map_description(lessons: dict[str, str], links: list[tuple[str, str]]) -> str:
    """What chapter_map draws, in words, for a reader who cannot see the figure."""
    def numbers(stems: list[str]) -> str:
        names = [stem[:2] for stem in stems]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    rows = []
    for stem, title in lessons.items():
        later = [b for a, b in links if a == stem]
        arrows = "an arrow" if len(later) == 1 else "arrows"
        rows.append(f"{stem[:2]} {title}" + (f", with {arrows} to {numbers(later)}"
                                                 if later else ""))
    return (f"The chapter's {len(lessons)} lessons from top to bottom in reading order, and an "
            "arrow from each lesson to the later lessons that build on it directly: "
            + "; ".join(rows) + ".")
