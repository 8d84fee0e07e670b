"""The two pre-training objectives: causal (next token) and masked language modelling."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:next_token]
# Needs: checks.py:require
import torch


def next_token_candidates(model, tokenizer, text: str, k: int = 5) -> list[tuple[str, float]]:
    """The k most likely next tokens after `text`, with their probabilities."""
    require(k >= 1, f"k must be at least 1, got {k}")
    input_ids = tokenizer(text, return_tensors="pt").input_ids.to(model.device)
    with torch.no_grad():
        next_token_logits = model(input_ids).logits[0, -1]  # (vocab_size,)
    probs = torch.softmax(next_token_logits.float(), dim=-1)
    top_probs, top_ids = probs.topk(k)
    return [(tokenizer.decode(i), p.item()) for i, p in zip(top_ids, top_probs, strict=True)]
# --8<-- [end:next_token]


# --8<-- [start:every_prefix]
import torch


def predictions_for_every_prefix(model, input_ids: torch.Tensor) -> torch.Tensor:
    """Next-token probabilities after each prefix of one sequence, from one forward pass."""
    with torch.no_grad():
        logits = model(input_ids).logits[0]  # (num_tokens, vocab_size): row t predicts t + 1
    return torch.softmax(logits.float(), dim=-1)


def causal_lm_loss(logits: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each position's prediction against the token that follows it."""
    shifted_logits = logits[:, :-1]  # predictions after tokens 1 .. n-1
    next_tokens = input_ids[:, 1:]  # the labels: the text itself, one step ahead
    return torch.nn.functional.cross_entropy(
        shifted_logits.reshape(-1, shifted_logits.shape[-1]).float(), next_tokens.reshape(-1))
# --8<-- [end:every_prefix]


# --8<-- [start:masking]
import torch
from transformers import DataCollatorForLanguageModeling


def mask_batch(tokenizer, sentences: list[str], seed: int = 0, mlm_probability: float = 0.15):
    """A padded batch with BERT's masking: inputs corrupted, labels -100 except where masked."""
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_probability,
                                               seed=seed)
    return collator([tokenizer(sentence) for sentence in sentences])


def what_masking_did(tokenizer, original_ids: torch.Tensor, batch) -> list[dict]:
    """For each masked position: the sentence, the original token and what it became."""
    rows = []
    for i, j in (batch["labels"] != -100).nonzero().tolist():
        before, after = original_ids[i, j].item(), batch["input_ids"][i, j].item()
        if after == tokenizer.mask_token_id:
            became = "[MASK]"
        elif after == before:
            became = "kept"
        else:
            became = "random"
        rows.append(dict(sentence=i, position=j, token=tokenizer.convert_ids_to_tokens(before),
                         input=tokenizer.convert_ids_to_tokens(after), replaced_by=became))
    return rows
# --8<-- [end:masking]


# --8<-- [start:masked_lm_loss]
# Needs: checks.py:require
import torch


def masked_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the masked positions only (labels != -100)."""
    masked = labels != -100  # (batch_size, num_tokens)
    require(masked.any(), "labels has no masked position (all -100): there is nothing to predict")
    return torch.nn.functional.cross_entropy(logits[masked].float(), labels[masked])
# --8<-- [end:masked_lm_loss]
