"""The home page's picture of the chapter: the lessons in reading order, and an arrow from
each lesson to the later ones that build on it directly, read from the links between them."""

import re
from itertools import combinations, product

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


def arc_sides(order: list[str], links: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each link's side of the boxes, "right" or "left", with as few crossings as two sides
    allow. Two arcs on one side cross when their spans interleave (one starts inside the
    other and ends outside it); arcs that nest or meet at a box do not. Each group of arcs
    joined by such crossings is tried on every split of the two sides (a chapter's groups
    are small); a tie goes to the split with fewer arcs on the left."""
    row = {stem: order.index(stem) for stem in order}

    def cross(a, b) -> bool:
        (a0, a1), (b0, b1) = sorted(((row[a[0]], row[a[1]]), (row[b[0]], row[b[1]])))
        return a0 < b0 < a1 < b1

    crossings = nx.Graph()
    crossings.add_nodes_from(links)
    crossings.add_edges_from((a, b) for a, b in combinations(links, 2) if cross(a, b))
    sides = {}
    for group in map(sorted, nx.connected_components(crossings)):
        best = min(product(["right", "left"], repeat=len(group)), key=lambda split: (
            sum(split[i] == split[j] for i, j in combinations(range(len(group)), 2)
                if crossings.has_edge(group[i], group[j])), split.count("left")))
        sides.update(zip(group, best, strict=True))
    return sides


def chapter_map(lessons: dict[str, str], links: list[tuple[str, str]], ax=None):
    """Draw the lessons ({stem: title}, in reading order) top to bottom, and each link as an
    arrow from the earlier lesson to the later one, arcing beside the boxes, on the side
    arc_sides chooses."""
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
    sides = arc_sides(order, links)
    reach = {"right": 0.0, "left": 0.0}  # how far the arcs bulge out on each side
    for earlier, later in links:  # longer spans arc further out, so the arcs nest
        side = sides[earlier, later]
        x = BOX_WIDTH if side == "right" else 0.0
        start, end = (x, y[earlier] - PORT), (x, y[later] + PORT)
        bend = -0.45 if side == "right" else 0.45  # going down the page: negative bends right
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={bend}",
                                     arrowstyle="-|>",
                                     mutation_scale=11, color="#a34d00", linewidth=1.2,
                                     shrinkA=3, shrinkB=3, gid=f"link:{earlier}->{later}"))
        # the curve's widest point: half the way to its control point
        reach[side] = max(reach[side], abs(bend) / 2 * (y[earlier] - y[later]))
    span = ROW * (len(order) - 1)
    ax.set_xlim(-0.5 - reach["left"], BOX_WIDTH + reach["right"] + 0.6)
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
