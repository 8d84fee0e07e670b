import pytest
import torch
from transformers import LogitsProcessorList

from snippets.inference.decoding import chat_input_ids
from snippets.inference.penalties import PresenceFrequencyPenalty, count_repeats


def test_penalty_formula_on_hand_computed_counts(device):
    # prompt [7, 7], then generated 3, 1, 3, 3: counts 3 -> 3, 1 -> 1, 7 -> 0 (prompt only)
    input_ids = torch.tensor([[7, 7, 3, 1, 3, 3]], device=device)
    scores = torch.zeros(1, 8, device=device)
    penalised = PresenceFrequencyPenalty(0.5, 0.25, prompt_length=2)(input_ids, scores)
    expected = torch.zeros(1, 8, device=device)
    expected[0, 3] = -(0.5 + 0.25 * 3)
    expected[0, 1] = -(0.5 + 0.25 * 1)
    torch.testing.assert_close(penalised, expected)


def test_penalties_count_each_row_of_a_batch_separately(device):
    input_ids = torch.tensor([[0, 2, 2], [0, 1, 2]], device=device)
    scores = torch.zeros(2, 3, device=device)
    penalised = PresenceFrequencyPenalty(0.0, 1.0, prompt_length=1)(input_ids, scores)
    assert penalised.tolist() == [[0.0, 0.0, -2.0], [0.0, -1.0, -1.0]]


@pytest.mark.parametrize("bad, message", [
    (dict(presence_penalty=2.5), r"presence_penalty must be in \[-2, 2\], got 2.5"),
    (dict(frequency_penalty=-3), r"frequency_penalty must be in \[-2, 2\], got -3"),
    (dict(prompt_length=-1), "prompt_length must be >= 0, got -1"),
])
def test_bad_penalties_name_the_value_and_range(bad, message):
    with pytest.raises(ValueError, match=message):
        PresenceFrequencyPenalty(**{"presence_penalty": 0.0, "frequency_penalty": 0.0,
                                    "prompt_length": 0, **bad})


def test_penalties_accept_the_ends_of_their_ranges(device):
    input_ids = torch.tensor([[1, 1]], device=device)
    scores = torch.zeros(1, 3, device=device)
    for presence, frequency in [(-2, 2), (2, -2)]:  # the ends of [-2, 2] are allowed
        penalty = PresenceFrequencyPenalty(presence, frequency, prompt_length=0)
        # prompt_length 0: every token counts as generated, here token 1 twice
        assert penalty(input_ids, scores)[0, 1].item() == -(presence + 2 * frequency)


def test_count_repeats():
    assert count_repeats(torch.tensor([1, 2, 3, 1, 2, 3, 1])) == 2  # (1,2,3) and (2,3,1) again
    assert count_repeats(torch.tensor([1, 1, 1, 1]), n=1) == 3
    assert count_repeats(torch.tensor([1, 2])) == 0
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        count_repeats(torch.tensor([1]), n=0)


def repeats_with(model, input_ids, presence=0.0, frequency=0.0, repetition_penalty=1.0) -> int:
    """Repeated trigrams in 80 greedy tokens of SmolLM2 under the given penalties."""
    prompt_length = input_ids.shape[1]
    penalty = PresenceFrequencyPenalty(presence, frequency, prompt_length)
    output = model.generate(input_ids, do_sample=False, max_new_tokens=80, min_new_tokens=80,
                            repetition_penalty=repetition_penalty,
                            logits_processor=LogitsProcessorList([penalty]))
    return count_repeats(output[0, prompt_length:])


def test_raising_each_penalty_lowers_repetition_on_smollm2(smollm2):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, "Write a poem about the sea.", model.device)
    baseline = repeats_with(model, input_ids)
    presence = [repeats_with(model, input_ids, presence=p) for p in (0.5, 1.0)]
    frequency = [repeats_with(model, input_ids, frequency=f) for f in (0.5, 1.0)]
    multiplicative = repeats_with(model, input_ids, repetition_penalty=1.2)
    assert baseline > 20  # this prompt makes SmolLM2 repeat itself
    assert baseline > presence[0] > presence[1]
    assert baseline > frequency[0] > frequency[1]
    assert multiplicative < baseline
