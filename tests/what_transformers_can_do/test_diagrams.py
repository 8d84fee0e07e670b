import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from snippets.what_transformers_can_do.diagrams import (  # noqa: E402
    MAX_TOKENS,
    pipeline_steps_diagram,
)
from snippets.what_transformers_can_do.pipeline_steps import classify_postprocess  # noqa: E402


def texts(fig, gid: str) -> list[str]:
    return [text.get_text() for text in fig.axes[0].texts if text.get_gid() == gid]


ID2LABEL = {0: "NEGATIVE", 1: "POSITIVE"}


@pytest.fixture
def steps():
    fig = pipeline_steps_diagram("I love this.", ["[CLS]", "i", "love", "this", ".", "[SEP]"],
                                 [101, 1045, 2293, 2023, 1012, 102],
                                 torch.tensor([-1.0, 2.0]), ID2LABEL)
    yield fig
    plt.close(fig)


def test_the_diagram_shows_each_row_and_the_three_steps_in_order(steps):
    assert texts(steps, "row") == ["text", "tokens", "ids", "logits", "output"]
    assert [t.split(":")[0] for t in texts(steps, "step")] == [
        "1. preprocess", "2. model", "3. postprocess"]
    assert texts(steps, "text") == ["'I love this.'"]
    arrows = [p for p in steps.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3
    assert steps.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # white in both schemes


def test_each_token_has_its_box_and_its_id_below(steps):
    assert texts(steps, "token") == ["[CLS]", "i", "love", "this", ".", "[SEP]"]
    assert texts(steps, "id") == ["101", "1045", "2293", "2023", "1012", "102"]
    boxes = [p for p in steps.axes[0].patches if isinstance(p, Rectangle)]
    assert len(boxes) == 6 and texts(steps, "more") == []


def test_the_logits_keep_the_models_order_and_the_output_is_the_postprocessing(steps):
    assert texts(steps, "logit") == ["NEGATIVE  -1.0000", "POSITIVE  +2.0000"]
    expected = classify_postprocess(torch.tensor([-1.0, 2.0]), ID2LABEL)
    assert texts(steps, "score") == [f"{d['label']}: {d['score']:.4f}" for d in expected]
    assert texts(steps, "score") == ["POSITIVE: 0.9526", "NEGATIVE: 0.0474"]


def test_a_long_text_shows_its_first_tokens_then_an_ellipsis():
    n = MAX_TOKENS + 5
    fig = pipeline_steps_diagram("long", [f"t{k}" for k in range(n)], list(range(n)),
                                 torch.zeros(2), ID2LABEL)
    assert texts(fig, "token") == [f"t{k}" for k in range(MAX_TOKENS - 1)]
    assert texts(fig, "more") == ["…"]
    plt.close(fig)


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="tokens and ids must be as many"):
        pipeline_steps_diagram("x", ["a", "b"], [1], torch.zeros(2), ID2LABEL)
    with pytest.raises(ValueError, match="one number per label"):
        pipeline_steps_diagram("x", ["a"], [1], torch.zeros(3), ID2LABEL)
