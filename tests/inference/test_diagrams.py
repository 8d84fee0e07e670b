import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from snippets.inference.diagrams import (  # noqa: E402
    CHOSEN,
    FROM_CACHE,
    READ_NOW,
    draw_prefill_decode,
)


def test_prefill_reads_the_prompt_then_each_step_one_token_while_the_cache_grows():
    fig = draw_prefill_decode(["a", "b", "c"], ["d", "e", "f"])
    ax = fig.axes[0]
    colors = [to_hex(patch.get_facecolor()) for patch in ax.patches]
    # rows of 3, 4 and 5 tokens, each followed by its chosen token
    assert colors == ([READ_NOW] * 3 + [CHOSEN]
                      + [FROM_CACHE] * 3 + [READ_NOW] + [CHOSEN]
                      + [FROM_CACHE] * 4 + [READ_NOW] + [CHOSEN])
    texts = [text.get_text() for text in ax.texts if text.get_text()]  # arrows have none
    assert [t for t in texts if t.startswith("cache")] == [
        "cache now holds 3", "cache now holds 4", "cache now holds 5"]
    assert [t for t in texts if t in ("prefill", "decode step 1", "decode step 2")] == [
        "prefill", "decode step 1", "decode step 2"]
    assert texts[:5] == ["a", "b", "c", "d", "prefill"]  # the prompt, then the choice
    plt.close(fig)


def test_a_newline_token_is_drawn_escaped_and_an_empty_answer_is_refused():
    fig = draw_prefill_decode(["x"], ["\n"])
    assert "\\n" in [text.get_text() for text in fig.axes[0].texts]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one token each"):
        draw_prefill_decode(["x"], [])
