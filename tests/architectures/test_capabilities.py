import pytest

from snippets.architectures.capabilities import CAPABILITIES, ask
from snippets.models import load_smollm2

NOTES_CAPABILITIES = ["Text generation", "Summarization", "Translation", "Question answering",
                      "Code generation", "Reasoning", "Few-shot learning"]


def test_the_notes_capability_table_in_order_with_bounded_answers():
    assert [row["capability"] for row in CAPABILITIES] == NOTES_CAPABILITIES
    assert sum(row["max_new_tokens"] for row in CAPABILITIES) <= 170  # ~15 s on a laptop CPU


@pytest.fixture(scope="module")
def smollm2_on_cpu(smollm2, device):
    """What the lesson page shows comes from a CPU build: check the answers on the CPU."""
    return smollm2 if device.type == "cpu" else load_smollm2(device="cpu")


def test_what_the_page_says_of_smollm2s_answers(smollm2_on_cpu):
    model, tokenizer = smollm2_on_cpu
    answers = {row["capability"]: ask(model, tokenizer, row["prompt"], row["max_new_tokens"])
               for row in CAPABILITIES
               if row["capability"] in ("Question answering", "Few-shot learning",
                                        "Translation", "Reasoning")}
    assert "Paris" in answers["Question answering"]
    assert "positive" in answers["Few-shot learning"]
    assert "leer" not in answers["Translation"] and "libros" not in answers["Translation"]
    assert answers["Reasoning"].endswith("the answer is 3.")  # 3 - 1 is not 3


def test_ask_needs_room_for_an_answer(smollm2):
    model, tokenizer = smollm2
    with pytest.raises(ValueError, match="max_new_tokens must be at least 1, got 0"):
        ask(model, tokenizer, "Hi", 0)
