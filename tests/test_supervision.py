import pytest
import torch

from snippets.supervision import causal_lm_batch, supervised_batch

SENTENCES = ["he went to hospital", "he went to hospital yesterday",
             "he will go to hospital tomorrow"]


def test_causal_lm_labels_are_the_input_ids_with_padding_ignored(smollm2):
    _, tokenizer = smollm2
    batch = causal_lm_batch(tokenizer, SENTENCES)
    padding = batch["attention_mask"] == 0
    assert padding.any()
    assert torch.equal(batch["labels"][~padding], batch["input_ids"][~padding])
    assert (batch["labels"][padding] == -100).all()


def test_supervised_labels_are_the_class_indices_a_person_chose(minilm):
    _, tokenizer = minilm
    examples = [("he goes to hospital", "present"), ("he went to hospital yesterday", "past"),
                ("he will go to hospital tomorrow", "future")]
    batch = supervised_batch(tokenizer, examples, ["past", "present", "future"])
    assert batch["labels"].tolist() == [1, 0, 2]
    assert batch["input_ids"].shape[0] == 3
    with pytest.raises(ValueError, match=r"labels \['later'\] are not among label_names"):
        supervised_batch(tokenizer, [("he goes", "later")], ["past", "present", "future"])
