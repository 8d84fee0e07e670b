import pytest
import torch

from snippets.how_transformers_work.supervision import causal_lm_batch, supervised_batch

SENTENCES = ["he went to hospital", "he went to hospital yesterday",
             "he will go to hospital tomorrow"]


def test_causal_lm_labels_are_the_input_ids_with_padding_ignored(smollm2):
    _, tokenizer = smollm2
    batch = causal_lm_batch(tokenizer, SENTENCES)
    padding = batch["attention_mask"] == 0
    assert padding.any()
    assert torch.equal(batch["labels"][~padding], batch["input_ids"][~padding])
    assert (batch["labels"][padding] == -100).all()


def test_smollm2s_real_end_of_turn_token_is_ignored_too(smollm2):
    _, tokenizer = smollm2
    assert tokenizer.pad_token == tokenizer.eos_token == "<|im_end|>"
    batch = causal_lm_batch(tokenizer, ["he went to hospital yesterday<|im_end|>"])
    assert batch["input_ids"][0, -1] == tokenizer.eos_token_id
    assert batch["attention_mask"].all()  # one sentence: no padding at all ...
    assert batch["labels"][0, -1] == -100  # ... yet the real <|im_end|> is not a label
    assert (batch["labels"][0, :-1] == batch["input_ids"][0, :-1]).all()


def test_supervised_labels_are_the_class_indices_a_person_chose(minilm):
    _, tokenizer = minilm
    examples = [("he goes to hospital", "present"), ("he went to hospital yesterday", "past"),
                ("he will go to hospital tomorrow", "future")]
    batch = supervised_batch(tokenizer, examples, ["past", "present", "future"])
    assert batch["labels"].tolist() == [1, 0, 2]
    assert batch["input_ids"].shape[0] == 3
    with pytest.raises(ValueError, match=r"labels \['later'\] are not among label_names"):
        supervised_batch(tokenizer, [("he goes", "later")], ["past", "present", "future"])
