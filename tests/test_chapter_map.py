import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from snippets.chapter_map import (  # noqa: E402
    BOX_WIDTH,
    PORT,
    chapter_links,
    chapter_map,
    chapter_map_description,
)

LESSONS = {"01-intro": "Introduction", "02-nlp": "NLP", "03-tasks": "Tasks"}
LINKS = [("01-intro", "02-nlp"), ("01-intro", "03-tasks")]


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
