import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from snippets.transfer_learning.diagrams import (  # noqa: E402
    COPIED,
    LEARNED,
    NEW,
    draw_transfer,
)


def blocks(fig) -> list[tuple[float, float, str, str]]:
    """(x, y, fill colour, name) of every block, column by column, bottom to top."""
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    names = {(round(t.get_position()[0], 3), round(t.get_position()[1], 3)): t.get_text()
             for t in ax.texts}
    return [(r.get_x(), r.get_y(), to_hex(r.get_facecolor()),
             names[round(r.get_x() + r.get_width() / 2, 3),
                   round(r.get_y() + r.get_height() / 2, 3)]) for r in rects]


def test_fine_tuning_copies_the_body_and_replaces_the_head_random_weights_copy_nothing():
    fig = draw_transfer(["embeddings", "layers", "pooler"], "old head", "new head",
                        "unlabelled text", "labelled sentences")
    drawn = blocks(fig)
    assert [(color, name) for _, _, color, name in drawn] == [
        (LEARNED, "embeddings"), (LEARNED, "layers"), (LEARNED, "pooler"),
        (LEARNED, "old head"),
        (COPIED, "embeddings"), (COPIED, "layers"), (COPIED, "pooler"), (NEW, "new head"),
        (NEW, "embeddings"), (NEW, "layers"), (NEW, "pooler"), (NEW, "new head")]
    # each column's blocks stack from the bottom; the columns stand left to right
    xs = sorted({x for x, *_ in drawn})
    assert len(xs) == 3
    assert [y for x, y, *_ in drawn if x == xs[1]] == [0, 1, 2, 3]
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3  # one per copied block of the body, none for the head
    starts = sorted(round(a._posA_posB[0][1], 3) for a in arrows)
    assert starts == sorted(round(y + 0.31, 3) for x, y, _, name in drawn
                            if x == xs[0] and name != "old head")
    texts = [t.get_text() for t in ax.texts]
    assert "head not kept" in texts and "labelled sentences" in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "came with the checkpoint", "copied from the checkpoint, then trained further",
        "new: random weights at the start"]
    plt.close(fig)


def test_a_model_without_a_body_is_refused():
    with pytest.raises(ValueError, match="at least one block"):
        draw_transfer([], "old", "new", "a", "b")
