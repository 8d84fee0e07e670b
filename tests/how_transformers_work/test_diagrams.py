import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from snippets.how_transformers_work.diagrams import (  # noqa: E402
    ATTENTION,
    CROSS,
    FEED_FORWARD,
    draw_encoder_decoder,
)


def by_gid(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def test_the_encoder_reads_the_source_and_the_decoder_the_target_then_predicts():
    fig = draw_encoder_decoder(["I", "love", "you"], ["<start>", "Je", "t'"], "aime",
                               num_layers=6)
    ax = fig.axes[0]
    assert texts(ax, "source") == ["I", "love", "you"]
    assert texts(ax, "target") == ["<start>", "Je", "t'"]
    assert texts(ax, "next_token") == ["aime"]
    assert texts(ax, "caption")[:2] == ["target so far, from <start>", "source sentence"]
    assert texts(ax, "layers") == ["× 6", "× 6"]
    # the encoder's attention sees everything, the decoder's only its past, cross-attention
    # every source position; one colour for attention, another for cross-attention
    assert "all of them" in texts(ax, "encoder_self_attention")[0]
    assert "only earlier target tokens" in texts(ax, "decoder_self_attention")[0]
    assert "every source position" in texts(ax, "cross_attention")[0]
    assert [to_hex(p.get_facecolor()) for gid in ("encoder_self_attention",
                                                  "decoder_self_attention", "cross_attention")
            for p in by_gid(ax, gid)] == [ATTENTION, ATTENTION, CROSS]
    feed_forward = [p for p in ax.patches if to_hex(p.get_facecolor()) == FEED_FORWARD]
    assert len(feed_forward) == 2  # one in each stack
    plt.close(fig)


def test_the_cross_attention_arrow_runs_from_the_encoders_features_to_cross_attention():
    fig = draw_encoder_decoder(["a"], ["b"], "c", num_layers=2)
    ax = fig.axes[0]
    (arrow,) = by_gid(ax, "cross_arrow")
    start, end = arrow._posA_posB
    (features,) = by_gid(ax, "encoder_features")
    (cross,) = by_gid(ax, "cross_attention")

    def touches(box, point, pad=0.1):
        x, y = point
        return (box.get_x() - pad <= x <= box.get_x() + box.get_width() + pad
                and box.get_y() <= y <= box.get_y() + box.get_height())

    assert touches(features, start) and touches(cross, end)
    (stack,) = by_gid(ax, "decoder_stack")  # cross-attention lies inside the repeated layer
    assert stack.get_y() < cross.get_y() < stack.get_y() + stack.get_height()
    plt.close(fig)


def test_empty_tokens_and_no_layers_are_refused():
    with pytest.raises(ValueError, match="at least one token each"):
        draw_encoder_decoder([], ["b"], "c")
    with pytest.raises(ValueError, match="num_layers must be at least 1, got 0"):
        draw_encoder_decoder(["a"], ["b"], "c", num_layers=0)
