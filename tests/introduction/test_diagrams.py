import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from snippets.introduction.diagrams import FLOWS, LIBRARIES, ecosystem_diagram  # noqa: E402
from snippets.introduction.exercises import LIBRARY_TASKS  # noqa: E402


@pytest.fixture
def ax():
    ax = ecosystem_diagram()
    yield ax
    plt.close(ax.figure)


def texts(ax, gid: str) -> list[str]:
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


def test_one_box_per_library_with_its_name_and_its_job(ax):
    boxes = [p.get_gid() for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert boxes == [f"box:{name}" for name in
                     ["Hub", "Tokenizers", "Transformers", "Datasets", "Accelerate"]]
    assert texts(ax, "library") == list(LIBRARIES)
    assert texts(ax, "job") == [job for _, job in LIBRARIES.values()]
    # the libraries the exercise asks about are the diagram's
    assert {library for libraries, _ in LIBRARY_TASKS.values()
            for library in libraries} == set(LIBRARIES)


def test_the_arrows_carry_what_the_lesson_passes_between_the_libraries(ax):
    arrows = [p.get_gid() for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert arrows == [f"flow:{start}->{end}" for start, end, _ in FLOWS] + [
        "flow:text->Tokenizers"]
    flows = {(start, end): label for start, end, label in FLOWS}
    assert flows[("Tokenizers", "Transformers")] == "token ids"  # text -> ids -> model
    assert "tokenizer.json" in flows[("Hub", "Tokenizers")]
    assert "config.json" in flows[("Hub", "Transformers")]
    assert texts(ax, "flow_label") == [label for _, _, label in FLOWS]
    assert texts(ax, "text_in") == ["text"]


def test_each_arrow_runs_from_its_source_box_to_its_target_box(ax):
    for patch in ax.patches:
        if not isinstance(patch, FancyArrowPatch) or "text->" in patch.get_gid():
            continue
        start, end = patch.get_gid().removeprefix("flow:").split("->")
        (x0, y0), (x1, y1) = patch._posA_posB
        (xs, ys), (xe, ye) = LIBRARIES[start][0], LIBRARIES[end][0]
        # the arrow leaves the source's frame and ends on the target's, pointing towards it
        assert abs(x0 - xs) <= 1.9 and abs(y0 - ys) <= 0.66
        assert abs(x1 - xe) <= 1.9 and abs(y1 - ye) <= 0.66
        assert (x1 - x0) * (xe - xs) >= 0 and (y1 - y0) * (ye - ys) >= 0


def test_the_figure_is_white_and_without_axes(ax):
    assert ax.figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # readable in both schemes
    assert not ax.axison
