import pytest

from snippets.checks import require


def test_require_passes_a_true_condition_and_raises_the_message_otherwise():
    assert require(3 >= 1, "unused") is None
    with pytest.raises(ValueError, match=r"^top_k must be >= 1, got 0$"):
        require(0 >= 1, "top_k must be >= 1, got 0")
