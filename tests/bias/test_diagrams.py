import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from snippets.bias.diagrams import BIAS_STAGES, draw_where_bias_enters  # noqa: E402


def texts(ax, gid: str) -> list[str]:
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


def test_the_four_stages_in_order_each_with_what_enters_there():
    fig = draw_where_bias_enters(BIAS_STAGES)
    ax = fig.axes[0]
    assert texts(ax, "stage") == ["1. data", "2. pre-training", "3. fine-tuning", "4. use"]
    assert texts(ax, "enters") == [enters for _, enters, _, _ in BIAS_STAGES]
    assert "does not\nremove the pre-trained" in texts(ax, "enters")[2]
    # an arrow between each two stages, named for what it carries
    assert len([p for p in ax.patches if isinstance(p, FancyArrowPatch)]) == 3
    assert texts(ax, "hands_on") == ["the corpus", "the weights", "the fine-tuned model"]
    assert len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 4
    # the lesson's probes sit under the stages they probe, and only there
    probes = texts(ax, "probed_by")
    assert len(probes) == 2 and "association test" in probes[0] and "skewed" in probes[1]
    plt.close(fig)


def test_stages_left_to_right_and_fewer_than_two_refused():
    fig = draw_where_bias_enters([("a", "x", "to b", ""), ("b", "y", "", "probe")])
    ax = fig.axes[0]
    (x_a, _), (x_b, _) = (t.get_position() for t in ax.texts if t.get_gid() == "stage")
    assert x_a < x_b
    assert texts(ax, "probed_by") == ["probe"]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least two stages, got 1"):
        draw_where_bias_enters(BIAS_STAGES[:1])
