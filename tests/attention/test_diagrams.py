import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from snippets.attention.diagrams import (  # noqa: E402
    encoder_decoder_diagram,
    encoder_decoder_figure,
    weighted_average_diagram,
)
from snippets.attention.self_attention import (  # noqa: E402
    attention_scores,
    inputs,
    simple_self_attention,
    words,
)


def texts(ax, gid: str) -> list[str]:
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


@pytest.fixture
def journey():
    ax = weighted_average_diagram(inputs, words, query_index=1)
    yield ax
    plt.close(ax.figure)


def test_the_diagram_labels_every_token_and_marks_the_query(journey):
    assert texts(journey, "word") == ["Your", "journey (query)", "starts", "with", "one", "step"]
    assert texts(journey, "heading") == ["its vector", "its weight for “journey”",
                                         "context vector of “journey”"]
    assert texts(journey, "sum") == ["Σ"]


def test_the_weights_shown_are_the_softmax_of_the_notes_scores(journey):
    weights = torch.softmax(attention_scores(inputs, inputs[1]), dim=0)
    assert texts(journey, "weight") == [f"{w:.2f}" for w in weights]
    assert texts(journey, "weight") == ["0.14", "0.24", "0.23", "0.12", "0.11", "0.16"]
    assert texts(journey, "note")[0].endswith("the weights sum to 1.00")
    # each bar's length is its weight
    bars = [p for p in journey.patches if isinstance(p, Rectangle) and p.get_height() == 0.5]
    widths = torch.tensor([bar.get_width() for bar in bars])
    torch.testing.assert_close(widths / widths.sum(), weights)


def test_the_diagram_shows_the_vectors_and_the_context_vector_they_sum_to(journey):
    assert texts(journey, "vector") == [f"{v:.2f}" for v in inputs.flatten()]
    _, context_vecs = simple_self_attention(inputs)
    assert texts(journey, "context") == [f"{v:.2f}" for v in context_vecs[1]]
    assert texts(journey, "context") == ["0.44", "0.65", "0.57"]


def test_the_diagram_writes_out_the_weighted_sum_of_the_first_numbers(journey):
    weights = torch.softmax(attention_scores(inputs, inputs[1]), dim=0)
    terms = " + ".join(f"{w:.2f}×{v:.2f}" for w, v in zip(weights, inputs[:, 0], strict=True))
    assert texts(journey, "sum_of_first") == [f"{terms} ≈ 0.44"]
    assert texts(journey, "sum_of_first")[0].startswith("0.14×0.43 + 0.24×0.55 + 0.23×0.57")
    # the framed boxes are the first number of each vector and of the context vector
    framed = [p for p in journey.patches if isinstance(p, Rectangle) and p.get_linewidth() == 2]
    assert len(framed) == 6 + 1


def test_the_vectors_are_shaded_alike_so_that_colour_does_not_read_as_importance(journey):
    boxes = [p for p in journey.patches if isinstance(p, Rectangle) and p.get_height() == 0.7]
    assert len(boxes) == 6 * 3 + 3 and len({box.get_facecolor() for box in boxes}) == 1


def test_the_diagram_draws_one_box_per_number_one_bar_and_one_arrow_per_token(journey):
    boxes = [p for p in journey.patches if isinstance(p, Rectangle)]
    arrows = [p for p in journey.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == 6 * 3 + 6 + 3  # six vectors, six bars, the context vector
    assert len(arrows) == 6 + 1  # each weighted vector into the sum, the sum to the result
    assert journey.figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # white in both schemes
    assert not journey.axison


def test_the_diagram_follows_the_query_asked_for():
    ax = weighted_average_diagram(inputs, words, query_index=4)
    weights = torch.softmax(inputs @ inputs[4], dim=0)
    assert texts(ax, "word")[4] == "one (query)"
    assert texts(ax, "weight") == [f"{w:.2f}" for w in weights]
    plt.close(ax.figure)


def test_the_diagram_rejects_a_bad_query_or_mismatched_words():
    with pytest.raises(ValueError, match="query_index must be in 0..5, got 6"):
        weighted_average_diagram(inputs, words, query_index=6)
    with pytest.raises(ValueError, match=r"inputs has shape \(6, 3\): it must be \(5, d_in\)"):
        weighted_average_diagram(inputs, words[:5], query_index=0)


def gids(ax, gid: str) -> list:
    return [p for p in ax.patches if p.get_gid() == gid]


@pytest.mark.parametrize("attention", [False, True])
def test_the_encoder_decoder_unrolls_one_state_per_word(attention):
    ax = encoder_decoder_diagram(["I", "love", "you"], ["je", "t'", "aime"], attention=attention)
    assert texts(ax, "state") == ["$h_1$", "$h_2$", "$h_3$", "$s_1$", "$s_2$", "$s_3$"]
    assert texts(ax, "source") == ["I", "love", "you"]
    assert texts(ax, "target") == ["je", "t'", "aime"]
    assert texts(ax, "part") == ["encoder", "decoder"]
    assert len(gids(ax, "reads")) == 3 and len(gids(ax, "writes")) == 3
    assert len(gids(ax, "recurrence")) == 2 + 2  # h_1 -> h_2 -> h_3, s_1 -> s_2 -> s_3
    assert len(gids(ax, "handover")) == 1  # h_3 into the decoder
    assert ax.figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # white in both schemes
    plt.close(ax.figure)


def test_without_attention_the_decoder_gets_h_n_and_with_it_every_state():
    plain = encoder_decoder_diagram(["I", "love", "you"], ["je", "t'", "aime"], attention=False)
    assert gids(plain, "attends") == []
    assert texts(plain, "title") == ["without attention: the decoder gets only the last encoder "
                                     "state, $h_3$"]
    attending = encoder_decoder_diagram(["a", "b", "c", "d"], ["x", "y"], attention=True)
    arcs = gids(attending, "attends")
    assert len(arcs) == 4 * 2  # every encoder state into every decoder step
    assert texts(attending, "title")[0].endswith("a weighted mix of $h_1$ to $h_4$")
    for ax in (plain, attending):
        plt.close(ax.figure)


def test_the_figure_draws_both_and_rejects_an_empty_sentence():
    fig = encoder_decoder_figure(["I", "love", "you"], ["je", "t'", "aime"])
    plain, attending = fig.axes
    assert gids(plain, "attends") == [] and len(gids(attending, "attends")) == 9
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one word each, got"):
        encoder_decoder_diagram([], ["je"], attention=True)
