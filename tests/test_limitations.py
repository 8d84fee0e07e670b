import pytest
import torch
from transformers import GPT2LMHeadModel

from snippets.chat import ask, chat_batch
from snippets.limitations import (
    ask_with_confidence,
    forward_outcome,
    keep_last_tokens,
    logits_at_positions,
)
from snippets.random_models import random_model


def test_confidence_is_the_mean_probability_and_does_not_flag_the_mars_answer(smollm2):
    model, tokenizer = smollm2
    questions = ["What is the capital of France?", "Who was the first person to walk on Mars?"]
    (paris, paris_confidence), (mars, mars_confidence) = ask_with_confidence(
        model, tokenizer, questions, max_new_tokens=40)  # the batch of lesson 02
    assert paris == "The capital of France is Paris."
    # the same probabilities from one forward pass over prompt and answer
    prompt = chat_batch(tokenizer, questions[:1], model.device)["input_ids"]
    answer_ids = tokenizer(paris, add_special_tokens=False, return_tensors="pt")["input_ids"]
    ids = torch.cat([prompt, answer_ids.to(model.device)], dim=1)
    with torch.no_grad():
        probs = model(ids).logits[0, prompt.shape[1] - 1 : -1].softmax(-1)
    expected = probs.gather(-1, answer_ids[0, :, None].to(model.device)).mean().item()
    assert paris_confidence == pytest.approx(expected, abs=1e-3)
    # what lesson 02 says: a fluent answer, no doubt, lower but far from zero confidence
    assert mars.startswith("The first person to walk on Mars was")
    assert not any(word in mars.lower() for word in ["no one", "nobody", "not ", "n't"])
    assert 0.3 < mars_confidence < paris_confidence <= 1


def test_rotary_positions_past_the_window_change_almost_nothing(smollm2):
    model, tokenizer = smollm2
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"].to(model.device)
    with torch.no_grad():
        plain = model(ids).logits[0, -1]
    torch.testing.assert_close(logits_at_positions(model, ids, 0), plain)
    past = logits_at_positions(model, ids, start=9000)  # beyond max_position_embeddings
    assert 9000 > model.config.max_position_embeddings
    assert (past - plain).abs().max() < 1e-2 and past.argmax() == plain.argmax()


def test_learned_positions_end_with_an_index_error():
    # on the CPU: on CUDA the same lookup is a device-side assert that breaks the context
    model = random_model(GPT2LMHeadModel, device="cpu", n_positions=16)
    assert forward_outcome(model, 16) == "logits of shape (1, 16, 49152)"
    assert forward_outcome(model, 17) == "IndexError: index out of range in self"


def test_keep_last_tokens_cuts_the_start(smollm2):
    _, tokenizer = smollm2
    text = "The code is 4721. " + "It rained all day. " * 20 + "What is the code?"
    kept = keep_last_tokens(tokenizer, text, max_tokens=30)
    assert len(tokenizer(kept, add_special_tokens=False)["input_ids"]) == 30
    assert kept.endswith("What is the code?") and "4721" not in kept
    assert keep_last_tokens(tokenizer, text, max_tokens=10_000) == text
    with pytest.raises(ValueError, match="max_tokens must be >= 1, got 0"):
        keep_last_tokens(tokenizer, text, 0)


def test_a_fact_cut_off_by_the_window_is_made_up(smollm2):
    model, tokenizer = smollm2
    diary = " ".join(f"On day {day} of the trip we walked along the river, ate lunch in a small "
                     "village and slept in a quiet guesthouse." for day in range(1, 11))
    prompt = f"My locker code is 4721. {diary} What is my locker code?"  # as in lesson 02
    whole, cut = ask(model, tokenizer, [prompt, keep_last_tokens(tokenizer, prompt, 150)], 15)
    assert "4721" in whole
    assert "4721" not in cut and any(character.isdigit() for character in cut)
