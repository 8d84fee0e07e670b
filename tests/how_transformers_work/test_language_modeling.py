import math

import pytest
import torch
from transformers import BertForMaskedLM

from snippets.how_transformers_work.language_modeling import (
    causal_lm_loss,
    mask_batch,
    masked_lm_loss,
    next_token_candidates,
    predictions_for_every_prefix,
    what_masking_did,
)
from snippets.random_models import random_model

NOTES_SENTENCES = ["he went to hospital", "he went to hospital yesterday",
                   "he will go to hospital tomorrow"]


def test_next_token_candidates_are_smollm2s_most_likely_tokens(smollm2):
    model, tokenizer = smollm2
    candidates = next_token_candidates(model, tokenizer, "The capital of France is", k=5)
    assert len(candidates) == 5 and candidates[0][0] == " Paris"
    probs = [p for _, p in candidates]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        next_token_candidates(model, tokenizer, "x", k=0)


def test_one_forward_pass_predicts_after_every_prefix(smollm2):
    model, tokenizer = smollm2
    ids = tokenizer("he went to hospital yesterday", return_tensors="pt").input_ids
    probs = predictions_for_every_prefix(model, ids.to(model.device))
    assert probs.shape == (ids.shape[1], model.config.vocab_size)
    torch.testing.assert_close(probs.sum(-1), torch.ones(ids.shape[1], device=model.device))
    prefix = tokenizer("he went to", return_tensors="pt").input_ids.to(model.device)
    with torch.no_grad():  # row 2 is what the model predicts after reading only "he went to"
        alone = torch.softmax(model(prefix).logits[0, -1], -1)
    torch.testing.assert_close(probs[2], alone, atol=1e-5, rtol=1e-4)


def test_causal_lm_loss_equals_the_models_own_loss(smollm2):
    model, tokenizer = smollm2
    ids = tokenizer("he went to hospital yesterday", return_tensors="pt").input_ids
    ids = ids.to(model.device)
    with torch.no_grad():
        outputs = model(ids, labels=ids)  # transformers shifts the labels inside
    torch.testing.assert_close(causal_lm_loss(outputs.logits, ids), outputs.loss)


def test_masking_of_the_notes_sentences_with_seed_0(minilm):
    _, tokenizer = minilm
    batch = mask_batch(tokenizer, NOTES_SENTENCES, seed=0)
    original = tokenizer(NOTES_SENTENCES, padding=True, return_tensors="pt").input_ids
    rows = what_masking_did(tokenizer, original, batch)
    assert [(r["sentence"], r["token"], r["replaced_by"]) for r in rows] == [
        (0, "went", "kept"), (0, "to", "[MASK]"), (1, "hospital", "[MASK]")]
    masked = batch["labels"] != -100
    assert torch.equal(batch["labels"][masked], original[masked])  # labels: the true tokens
    assert torch.equal(batch["input_ids"][~masked], original[~masked])  # the rest untouched
    again = mask_batch(tokenizer, NOTES_SENTENCES, seed=0)
    assert torch.equal(again["input_ids"], batch["input_ids"])  # the seed fixes the masking


def test_masking_picks_15_percent_and_replaces_80_10_10(minilm):
    _, tokenizer = minilm
    sentences = NOTES_SENTENCES * 300
    batch = mask_batch(tokenizer, sentences, seed=0)
    original = tokenizer(sentences, padding=True, return_tensors="pt").input_ids
    special = torch.isin(original, torch.tensor(tokenizer.all_special_ids))
    assert not (batch["labels"][special] != -100).any()  # never [CLS], [SEP] or padding
    rows = what_masking_did(tokenizer, original, batch)
    assert len(rows) / (~special).sum().item() == pytest.approx(0.15, abs=0.02)
    shares = {kind: sum(r["replaced_by"] == kind for r in rows) / len(rows)
              for kind in ("[MASK]", "random", "kept")}
    assert shares == pytest.approx({"[MASK]": 0.8, "random": 0.1, "kept": 0.1}, abs=0.04)


def test_masked_lm_loss_is_the_cross_entropy_over_masked_positions_only(minilm, device):
    _, tokenizer = minilm
    batch = mask_batch(tokenizer, NOTES_SENTENCES, seed=0).to(device)
    model = random_model(BertForMaskedLM, device=device.type)
    with torch.no_grad():
        outputs = model(**batch)
    ours = masked_lm_loss(outputs.logits, batch["labels"])
    torch.testing.assert_close(ours, outputs.loss)
    everywhere = torch.nn.functional.cross_entropy(  # the loss were every token a label
        outputs.logits[0], batch["input_ids"][0])
    assert not torch.isclose(ours, everywhere)
    assert ours.item() == pytest.approx(math.log(model.config.vocab_size), abs=0.5)  # random
    with pytest.raises(ValueError, match="no masked position"):
        masked_lm_loss(outputs.logits, torch.full_like(batch["labels"], -100))
