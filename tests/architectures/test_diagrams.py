import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from snippets.architectures.diagrams import FRAME, masks_diagram  # noqa: E402

SOURCE, TARGET = ["I", "love", "you"], ["<start>", "Je", "t'", "aime"]


def texts(ax, gid: str) -> list[str]:
    return [text.get_text() for text in ax.texts if text.get_gid() == gid]


def blocks(ax, gid: str) -> list:
    return [patch for patch in ax.patches if patch.get_gid() == gid]


@pytest.fixture
def diagram():
    ax = masks_diagram(SOURCE, TARGET)
    yield ax
    plt.close(ax.figure)


def test_the_three_masks_are_drawn_with_their_titles_and_tokens(diagram):
    assert texts(diagram, "title") == ["encoder: bidirectional", "decoder: causal",
                                       "cross-attention"]
    assert texts(diagram, "subtitle") == ["source to source", "target to its own past",
                                          "target to source"]
    assert texts(diagram, "query") == SOURCE + TARGET + TARGET  # one row per query
    assert texts(diagram, "key") == SOURCE + TARGET + SOURCE  # one column per key
    assert diagram.figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # white in both schemes
    assert not diagram.axison


def test_a_block_is_filled_exactly_where_the_query_may_attend(diagram):
    may, hidden = blocks(diagram, "may"), blocks(diagram, "hidden")
    # 3 x 3 for the encoder, the lower triangle of 4 x 4 (10) for the decoder, 4 x 3 across
    assert len(may) == 9 + 10 + 12 and len(hidden) == 6  # the decoder's future: 3 + 2 + 1
    assert len({block.get_facecolor() for block in may}) == 1
    assert {block.get_facecolor() for block in hidden} == {(1.0, 1.0, 1.0, 1.0)}


def test_the_hidden_blocks_are_the_decoders_future():
    ax = masks_diagram(["a"], ["x", "y", "z"], query=0)
    hidden = blocks(ax, "hidden")
    decoder_x = min(block.get_x() for block in blocks(ax, "may") if block.get_y() < -2)
    cells = sorted((round(-block.get_y() - 0.96), round(block.get_x() - decoder_x))
                   for block in hidden)
    assert cells == [(0, 1), (0, 2), (1, 2)]  # (query, key): key after query
    plt.close(ax.figure)


def test_the_framed_row_is_read_out_under_the_figure(diagram):
    frames = blocks(diagram, "frame")
    assert len(frames) == 2 and {f.get_edgecolor() for f in frames} == {
        matplotlib.colors.to_rgba(FRAME)}
    assert texts(diagram, "note")[1] == ("framed: “Je” sees <start>, Je in the decoder, not "
                                         "t', aime; and every source token, I, love, you, "
                                         "through cross-attention")
    last = masks_diagram(SOURCE, TARGET, query=3)  # the last token sees all the target
    assert texts(last, "note")[1].startswith("framed: “aime” sees <start>, Je, t', aime in the "
                                             "decoder; and every source token")
    frame = blocks(last, "frame")[0]
    assert round(-frame.get_y() - 1.04) == 3  # around the last row
    plt.close(last.figure)


def test_the_diagram_rejects_empty_sentences_and_a_query_out_of_range():
    with pytest.raises(ValueError, match="at least one token each, got"):
        masks_diagram([], TARGET)
    with pytest.raises(ValueError, match=r"query must be in 0..3, got 4"):
        masks_diagram(SOURCE, TARGET, query=4)
