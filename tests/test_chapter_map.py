import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from snippets.chapter_map import (  # noqa: E402
    BOX_WIDTH,
    PORT,
    arc_sides,
    chapter_links,
    chapter_map,
    chapter_map_description,
)

LESSONS = {"01-intro": "Introduction", "02-nlp": "NLP", "03-tasks": "Tasks"}
LINKS = [("01-intro", "02-nlp"), ("01-intro", "03-tasks")]


def xs(arrow):
    """The x of the points that draw an arrow (its curve's control points included)."""
    path = arrow.get_path()
    return path.vertices[path.codes != Path.CLOSEPOLY, 0]


@pytest.fixture
def ax():
    ax = chapter_map(LESSONS, LINKS)
    yield ax
    plt.close(ax.figure)


def test_links_in_either_direction_become_one_pair_earlier_first():
    sources = {
        "01-intro": "See [the tasks](../03-tasks/#pipelines) later.",
        "02-nlp": "As [lesson 01](../01-intro/) showed; [a deep dive](../02-deep-dive-x/).",
        "03-tasks": "Back to [the start](../01-intro/) and [the models](../../models/).",
    }
    # 01 <-> 03 both ways is one pair; deep dives and other pages are not lessons
    assert chapter_links(sources) == [("01-intro", "02-nlp"), ("01-intro", "03-tasks")]
    assert chapter_links({"01-intro": "[me](../01-intro/)"}) == []  # a page's own anchors


def test_a_link_that_a_chain_of_links_already_joins_is_left_out():
    sources = {"01-intro": "[next](../02-nlp/), [last](../03-tasks/)",
               "02-nlp": "[then](../03-tasks/)", "03-tasks": ""}
    assert chapter_links(sources) == [("01-intro", "02-nlp"), ("02-nlp", "03-tasks")]


def test_one_box_per_lesson_top_to_bottom_with_its_number_and_title(ax):
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert [box.get_gid() for box in boxes] == [f"lesson:{stem}" for stem in LESSONS]
    tops = [box.get_y() for box in boxes]
    assert tops == sorted(tops, reverse=True)  # reading order runs down the page
    titles = [t.get_text() for t in ax.texts if t.get_gid() == "lesson_title"]
    assert titles == ["01  Introduction", "02  NLP", "03  Tasks"]


def test_each_link_is_an_arrow_from_the_earlier_box_to_the_later_one(ax):
    boxes = {p.get_gid().removeprefix("lesson:"): p for p in ax.patches
             if isinstance(p, FancyBboxPatch)}
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert [a.get_gid() for a in arrows] == ["link:01-intro->02-nlp", "link:01-intro->03-tasks"]
    for arrow, (earlier, later) in zip(arrows, LINKS, strict=True):
        (x0, y0), (x1, y1) = arrow._posA_posB
        assert x0 == x1 == BOX_WIDTH  # from the boxes' right side
        assert xs(arrow).min() > BOX_WIDTH  # bending away from them
        centre = {stem: box.get_y() + box.get_height() / 2 for stem, box in boxes.items()}
        # below the middle of the earlier box, above the middle of the later one
        assert (y0, y1) == pytest.approx((centre[earlier] - PORT, centre[later] + PORT))


def test_the_figure_is_white_without_axes_and_holds_every_arc(ax):
    assert ax.figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # readable in both schemes
    assert not ax.axison
    ax.figure.canvas.draw()
    limits = ax.get_window_extent()
    for arrow in ax.patches:
        extent = arrow.get_window_extent()
        assert limits.x1 >= extent.x1 and limits.y0 <= extent.y0, arrow.get_gid()


FIVE = {f"0{n}-x": str(n) for n in range(1, 6)}


def test_arcs_whose_spans_interleave_go_to_opposite_sides():
    order = list(FIVE)
    one, two, three, four, five = order
    # 1-3 and 2-4 interleave: on one side they would cross
    assert arc_sides(order, [(one, three), (two, four)]) == {(one, three): "right",
                                                              (two, four): "left"}
    # nested arcs, and arcs that meet at a box, do not cross: all on the right
    nested_and_meeting = [(one, five), (two, four), (one, two), (two, three)]
    assert set(arc_sides(order, nested_and_meeting).values()) == {"right"}


def test_of_two_splits_without_a_crossing_the_one_with_fewer_arcs_on_the_left_wins():
    order = list(FIVE)
    first, second, third, fourth, fifth = order
    # 1-3 crosses 2-4 and 2-5, which meet at 2: 1-3 alone on one side, or the two
    wide, meeting = (first, third), [(second, fourth), (second, fifth)]
    assert arc_sides(order, [wide, *meeting]) == {wide: "left", meeting[0]: "right",
                                                  meeting[1]: "right"}


def test_three_arcs_that_all_interleave_cross_once_the_fewest_two_sides_allow():
    order = [*FIVE, "06-x"]
    links = [(order[0], order[3]), (order[1], order[4]), (order[2], order[5])]
    sides = arc_sides(order, links)
    assert sorted(sides.values()) == ["left", "right", "right"]  # one pair shares a side


def test_an_arc_on_the_left_leaves_the_boxes_left_side_and_stays_in_the_figure():
    order = list(FIVE)
    ax = chapter_map(FIVE, [(order[0], order[2]), (order[1], order[3])])
    left = next(a for a in ax.patches if a.get_gid() == f"link:{order[1]}->{order[3]}")
    (x0, _), (x1, _) = left._posA_posB
    assert x0 == x1 == 0  # the boxes' left edge
    # the curve bends away from the boxes, not across them
    assert xs(left).max() < 0
    plt.close(ax.figure)


def test_links_must_join_known_lessons_from_earlier_to_later():
    with pytest.raises(ValueError, match=r"\['04-x'\] that are not among"):
        chapter_map(LESSONS, [("01-intro", "04-x")])
    with pytest.raises(ValueError, match="from an earlier lesson to a later one"):
        chapter_map(LESSONS, [("02-nlp", "01-intro")])


def test_the_description_names_every_lesson_in_order_and_where_its_arrows_go():
    text = chapter_map_description(LESSONS, LINKS)
    assert text.startswith("The chapter's 3 lessons from top to bottom in reading order")
    assert text.endswith(": 01 Introduction, with arrows to 02 and 03; 02 NLP; 03 Tasks.")
    one = chapter_map_description(LESSONS, [("02-nlp", "03-tasks")])
    assert one.endswith(": 01 Introduction; 02 NLP, with an arrow to 03; 03 Tasks.")


def test_long_arcs_on_both_sides_stay_in_the_figure():
    lessons = {**FIVE, "06-x": "6"}
    order = list(lessons)
    ax = chapter_map(lessons, [(order[0], order[4]), (order[1], order[5])])  # 4 rows each
    ax.figure.canvas.draw()
    limits = ax.get_window_extent()
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 2
    for arrow in arrows:
        extent = arrow.get_window_extent()
        assert limits.x0 <= extent.x0 and extent.x1 <= limits.x1, arrow.get_gid()
    plt.close(ax.figure)
