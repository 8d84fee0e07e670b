import pytest
import torch

from snippets.inference.decoding import chat_input_ids, decode
from snippets.inference.stopping import cut_at_stop, stop_on_text, suppress_eos


def test_suppress_eos_until_the_minimum(device):
    logits = torch.zeros(1, 5, device=device)
    assert suppress_eos(logits, 2, min_new_tokens=3, eos_token_id=4)[0, 4] == -torch.inf
    assert suppress_eos(logits, 3, min_new_tokens=3, eos_token_id=4)[0, 4] == 0
    assert logits[0, 4] == 0  # the caller's logits are left alone
    assert suppress_eos(logits, 0, min_new_tokens=0, eos_token_id=4)[0, 4] == 0  # no minimum
    with pytest.raises(ValueError, match="min_new_tokens must be >= 0, got -1"):
        suppress_eos(logits, 0, min_new_tokens=-1, eos_token_id=4)


def test_min_new_tokens_equals_generate(smollm2):
    model, tokenizer = smollm2
    eos = tokenizer.eos_token_id
    input_ids = chat_input_ids(tokenizer, "What is the capital of France?", model.device)
    n = input_ids.shape[1]
    ours = decode(model, input_ids, 30, eos_token_id=eos,
                  choose_next=lambda logits, ids: suppress_eos(logits, ids.shape[1] - n, 15,
                                                               eos).argmax(-1))
    theirs = model.generate(input_ids, do_sample=False, max_new_tokens=30, min_new_tokens=15)
    assert torch.equal(ours, theirs[:, n:])
    assert ours.shape[1] >= 15


def test_eos_ends_the_chat_answer(smollm2):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, "What is the capital of France?", model.device)
    answer = decode(model, input_ids, 50, eos_token_id=tokenizer.eos_token_id)
    assert tokenizer.decode(answer[0]) == "The capital of France is Paris.<|im_end|>"
    assert tokenizer.eos_token == "<|im_end|>"  # the chat template's end-of-turn token
    runaway = decode(model, input_ids, answer.shape[1] + 3)  # no eos_token_id: keeps going
    assert runaway.shape[1] == answer.shape[1] + 3


def test_stop_sequence_from_scratch_and_with_stop_strings(smollm2):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, "List three fruits, one per line.", model.device)
    n = input_ids.shape[1]
    stops = ["\n2."]
    ours = decode(model, input_ids, 60, eos_token_id=tokenizer.eos_token_id,
                  stop=stop_on_text(tokenizer, stops, n))
    theirs = model.generate(input_ids, do_sample=False, max_new_tokens=60, stop_strings=stops,
                            tokenizer=tokenizer)[:, n:]
    assert torch.equal(ours, theirs)  # both stop on the same token
    text = tokenizer.decode(ours[0])
    assert text.endswith("\n2.")  # transformers keeps the stop text...
    assert cut_at_stop(text, stops) == text[: -len("\n2.")]  # ...ours cuts it off


@pytest.mark.parametrize("bad", [[], [""], ["ok", ""]])
def test_empty_stop_sequences_are_refused(bad):
    with pytest.raises(ValueError, match="stop sequences must be non-empty strings"):
        stop_on_text(None, bad, 0)
    with pytest.raises(ValueError, match="stop sequences must be non-empty strings"):
        cut_at_stop("text", bad)


class CharacterTokenizer:
    """Token i is the i-th letter of the alphabet."""

    def decode(self, token_ids):
        return "".join(chr(ord("a") + i) for i in token_ids.tolist())


def test_stop_on_text_stops_on_any_stop_sequence_in_the_answer_only():
    stop = stop_on_text(CharacterTokenizer(), ["cd", "zz"], prompt_length=2)
    assert not stop(torch.tensor([[2, 3, 0, 1]]))  # "cd" is in the prompt, not the answer
    assert stop(torch.tensor([[2, 3, 0, 2, 3]]))  # "cd" in the answer, "zz" nowhere


def test_cut_at_stop_takes_the_first_stop():
    assert cut_at_stop("a. b! c.", [".", "!"]) == "a"
    assert cut_at_stop("no stop here", ["."]) == "no stop here"
