import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402
from transformers import (  # noqa: E402
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
)

from snippets.random_models import random_model  # noqa: E402
from snippets.solving_tasks.diagrams import draw_body_and_heads  # noqa: E402
from snippets.solving_tasks.task_heads import heads_on_one_body  # noqa: E402

CLASSES = [BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering]
TOKENS = ["[CLS]", "he", "went", "to", "hospital", "[SEP]"]


def texts(ax, gid: str) -> list[str]:
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


def patches(ax, gid: str) -> list:
    return [p for p in ax.patches if p.get_gid() == gid]


@pytest.fixture(scope="module")
def bert_models():
    return heads_on_one_body(random_model(BertModel, device="cpu"), CLASSES)


@pytest.fixture
def ax(bert_models):
    fig = draw_body_and_heads(bert_models, TOKENS)
    yield fig.axes[0]
    plt.close(fig)


def test_the_body_is_drawn_once_with_its_size_under_one_vector_per_token(ax, bert_models):
    body = bert_models["BertForSequenceClassification"].bert
    assert len(patches(ax, "body")) == 1
    num_params = sum(p.numel() for p in body.parameters())
    assert texts(ax, "body_label") == [
        "one pre-trained body: BertModel, 2 layers",
        f"{num_params / 1e6:.1f}M parameters, shared by the 3 heads"]
    assert texts(ax, "token") == TOKENS
    assert len(patches(ax, "vector")) == len(TOKENS) == len(patches(ax, "input"))
    assert texts(ax, "vectors_label") == ["gives one vector of 64 numbers per token"]


def test_each_head_plugs_on_the_body_with_its_layer_and_size(ax):
    assert texts(ax, "task") == ["text classification", "token classification",
                                 "question answering"]
    assert texts(ax, "head_label") == ["classifier: Linear(64 -> 2)\n130 parameters",
                                       "classifier: Linear(64 -> 2)\n130 parameters",
                                       "qa_outputs: Linear(64 -> 2)\n130 parameters"]
    assert texts(ax, "reads")[0].startswith("reads the [CLS] vector")
    assert all(t.startswith("reads every token's vector") for t in texts(ax, "reads")[1:])
    assert len(patches(ax, "head")) == 3
    plugs = patches(ax, "plugs")
    # classification reads the [CLS] vector only, the two others every token's, plus the slot
    assert len(plugs) == 1 + 2 * len(TOKENS) + 1
    assert all(isinstance(p, FancyArrowPatch) for p in plugs)
    starts = [p._posA_posB[0][0] for p in plugs]
    vectors = [p.get_x() + p.get_width() / 2 for p in patches(ax, "vector")]
    assert starts[0] == pytest.approx(vectors[0])  # from [CLS] into text classification
    assert starts[1:1 + 2 * len(TOKENS)] == pytest.approx(2 * vectors)  # from every token
    assert len(patches(ax, "spare")) == 1 and "fine-tuning" in texts(ax, "spare_label")[0]
    assert ax.figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # white in both schemes
    assert not ax.axison


def test_the_diagram_refuses_models_that_do_not_share_a_body(bert_models):
    separate = {c.__name__: random_model(c, device="cpu") for c in CLASSES[:2]}
    with pytest.raises(ValueError, match="must share one body, got 2 bodies for 2"):
        draw_body_and_heads(separate, TOKENS)
    with pytest.raises(ValueError, match="must share one body, got 0 bodies for 0"):
        draw_body_and_heads({}, TOKENS)


def test_the_diagram_refuses_a_head_it_has_no_role_for():
    from transformers import BertForMaskedLM

    models = heads_on_one_body(random_model(BertModel, device="cpu"), [BertForMaskedLM])
    with pytest.raises(ValueError, match=r"no role for \['BertForMaskedLM'\]"):
        draw_body_and_heads(models, TOKENS)
