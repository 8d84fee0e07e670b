"""Where labels come from: the text itself (pre-training) or a person (fine-tuning)."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:self_supervised]
from transformers import DataCollatorForLanguageModeling


def causal_lm_batch(tokenizer, sentences: list[str]):
    """A padded batch whose labels are the input ids, with every pad-token id set to -100."""
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)  # causal: no masking
    # The collator ignores tokens *equal to* tokenizer.pad_token_id, not padded positions: where
    # the pad token is also a real token (SmolLM2 pads with <|im_end|>), that one is ignored too.
    return collator([tokenizer(sentence) for sentence in sentences])
# --8<-- [end:self_supervised]


# --8<-- [start:supervised]
# Needs: checks.py:require
import torch


def supervised_batch(tokenizer, examples: list[tuple[str, str]], label_names: list[str]):
    """A padded batch of (text, label) pairs whose labels a person wrote, as class indices."""
    unknown = {label for _, label in examples} - set(label_names)
    require(not unknown, f"labels {sorted(unknown)} are not among label_names {label_names}")
    texts = [text for text, _ in examples]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    batch["labels"] = torch.tensor([label_names.index(label) for _, label in examples])
    return batch
# --8<-- [end:supervised]
