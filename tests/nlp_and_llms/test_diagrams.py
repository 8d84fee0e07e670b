import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from snippets.nlp_and_llms.diagrams import SHOWN, text_to_similarity_diagram  # noqa: E402


def by_gid(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid], [p for p in ax.patches
                                                         if p.get_gid() == gid]


def test_each_token_gets_a_vector_each_sentence_their_mean_and_the_pair_its_cosine():
    torch.manual_seed(0)
    vectors = [torch.randn(3, 16), torch.randn(4, 16)]
    fig = text_to_similarity_diagram(["a b", "c d e"], [["[CLS]", "a", "b"],
                                                        ["[CLS]", "c", "d", "e"]], vectors)
    ax = fig.axes[0]
    texts, _ = by_gid(ax, "text")
    assert [t.get_text() for t in texts] == ["“a b”", "“c d e”"]
    tokens, _ = by_gid(ax, "token")
    assert [t.get_text() for t in tokens] == ["[CLS]", "a", "b", "[CLS]", "c", "d", "e"]
    _, token_cells = by_gid(ax, "token_vector")
    _, sentence_cells = by_gid(ax, "sentence_vector")
    assert len(token_cells) == 7 * SHOWN and len(sentence_cells) == 2 * SHOWN
    cosine = torch.nn.functional.cosine_similarity(vectors[0].mean(0), vectors[1].mean(0), dim=0)
    (number,), _ = by_gid(ax, "cosine")
    assert number.get_text() == f"cosine\n{cosine:.2f}"
    headings, _ = by_gid(ax, "heading")
    assert "first 8 of 16 numbers" in headings[2].get_text()
    (legend,), _ = by_gid(ax, "legend")  # the colours say the sign of a number
    assert "blue below 0" in legend.get_text() and "red above 0" in legend.get_text()
    plt.close(fig)


def test_the_mean_cells_are_coloured_by_the_mean_of_the_token_cells():
    vectors = [torch.tensor([[1.0] * SHOWN, [-1.0] * SHOWN]), torch.ones(1, SHOWN)]
    fig = text_to_similarity_diagram(["x", "y"], [["p", "q"], ["r"]], vectors)
    _, sentence_cells = by_gid(fig.axes[0], "sentence_vector")
    white = plt.cm.RdBu_r(0.5)  # the mean of 1 and -1 is 0: the middle of the scale
    assert all(cell.get_facecolor() == pytest.approx(white) for cell in sentence_cells[:SHOWN])
    plt.close(fig)


def test_tokens_and_vectors_must_match():
    with pytest.raises(ValueError, match="give one row per token"):
        text_to_similarity_diagram(["x", "y"], [["p", "q"], ["r"]],
                                   [torch.ones(3, 4), torch.ones(1, 4)])
    with pytest.raises(ValueError, match="give two sentences"):
        text_to_similarity_diagram(["x"], [["p"]], [torch.ones(1, 4)])
