import pytest
import torch
from transformers import GPT2LMHeadModel

from snippets.nlp_and_llms.chat import ask, chat_batch
from snippets.nlp_and_llms.limitations import (
    ask_with_confidence,
    forward_outcome,
    keep_last_tokens,
    logits_at_positions,
)
from snippets.random_models import random_model


def test_confidence_is_the_mean_probability_and_the_low_tokens_are_the_made_up_names(smollm2):
    model, tokenizer = smollm2
    questions = ["What is the capital of France?", "Who was the first person to walk on Mars?"]
    (paris, paris_confidence, paris_lowest), (mars, mars_confidence, mars_lowest) = (
        ask_with_confidence(model, tokenizer, questions, max_new_tokens=40))  # as in lesson 02
    assert paris == "The capital of France is Paris."
    # the same probabilities from one forward pass over prompt and answer
    for question, answer, confidence, lowest in [(questions[0], paris, paris_confidence,
                                                  paris_lowest),
                                                 (questions[1], mars, mars_confidence,
                                                  mars_lowest)]:
        prompt = chat_batch(tokenizer, [question], model.device)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False,
                               return_tensors="pt")["input_ids"].to(model.device)
        with torch.no_grad():
            logits = model(torch.cat([prompt, answer_ids], dim=1)).logits
        probs = logits[0, prompt.shape[1] - 1 : -1].softmax(-1).gather(-1, answer_ids[0, :, None])
        probs = probs[:, 0].tolist()  # p of each answer token, given the ones before
        assert confidence == pytest.approx(sum(probs) / len(probs), abs=1e-3)
        expected = sorted(range(len(probs)), key=probs.__getitem__)[:3]  # least likely first
        assert {token for token, _ in lowest} == {tokenizer.decode(answer_ids[0, i])
                                                  for i in expected}
        assert [p for _, p in lowest] == pytest.approx([probs[i] for i in expected], abs=1e-3)
    # what lesson 02 says: no doubt, lower but far from zero confidence, lifted by the words
    # copied from the question; the least likely tokens are the made-up names, the Paris
    # answer's is its first word
    assert mars.startswith("The first person to walk on Mars was")
    assert not any(word in mars.lower() for word in ["no one", "nobody", "not ", "n't"])
    assert 0.3 < mars_confidence < paris_confidence <= 1
    copied = probs[2:7]  # the Mars answer's " person to walk on Mars", from the question
    assert min(copied) > 0.9 > mars_confidence
    assert {token for token, _ in mars_lowest} == {" John", " Taylor", " Alex"}
    assert all(p < 0.1 for _, p in mars_lowest)
    assert paris_lowest[0][0] == "The"  # the least likely token of the Paris answer


def test_rotary_positions_past_the_window_change_almost_nothing(smollm2):
    model, tokenizer = smollm2
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"].to(model.device)
    with torch.no_grad():
        plain = model(ids).logits[0, -1]
    torch.testing.assert_close(logits_at_positions(model, ids, 0), plain)
    past = logits_at_positions(model, ids, start=9000)  # beyond max_position_embeddings
    assert 9000 > model.config.max_position_embeddings == 8192
    assert tokenizer.model_max_length > 1e20  # a placeholder: no limit to cut at or warn about
    assert (past - plain).abs().max() < 1e-2 and past.argmax() == plain.argmax()


def test_learned_positions_end_with_an_index_error():
    # on the CPU: on CUDA the same lookup is a device-side assert that breaks the context
    model = random_model(GPT2LMHeadModel, device="cpu", n_positions=16)
    assert forward_outcome(model, 16) == "logits of shape (1, 16, 49152)"
    assert forward_outcome(model, 17) == "IndexError: index out of range in self"


def test_keep_last_tokens_cuts_the_start_at_a_word(smollm2):
    _, tokenizer = smollm2
    text = "The code is 4721. " + "It rained all day. " * 20 + "What is the code?"
    kept = keep_last_tokens(tokenizer, text, max_tokens=30)  # the 30th token from the end: "."
    assert kept == " It rained all day." * 4 + " What is the code?"
    assert keep_last_tokens(tokenizer, text, max_tokens=10_000) == text
    guesthouse = "We slept in a quiet guesthouse. On day two we left."  # " g" "ues" "thouse"
    ids = tokenizer(guesthouse, add_special_tokens=False)["input_ids"]
    assert keep_last_tokens(tokenizer, guesthouse, len(ids) - 6) == " On day two we left."
    assert keep_last_tokens(tokenizer, guesthouse, len(ids) - 5) == (
        " guesthouse. On day two we left.")  # the window starts at " g": a whole word
    for max_tokens in range(1, len(ids)):
        kept = keep_last_tokens(tokenizer, guesthouse, max_tokens)
        assert guesthouse.endswith(kept) and (kept == "" or kept[0] == " ")  # whole words
        kept_ids = tokenizer(kept, add_special_tokens=False)["input_ids"]
        assert len(kept_ids) <= max_tokens and kept_ids == ids[len(ids) - len(kept_ids):]
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
