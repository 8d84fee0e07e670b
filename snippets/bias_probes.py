"""Probing a language model for bias: sampled completions counted, and exact probabilities."""

from snippets.decoding import chat_input_ids  # shown in lessons by its own section

# --8<-- [start:completions]
import torch


@torch.no_grad()
def sample_completions(model, tokenizer, prompt: str, num_samples: int = 100,
                       max_new_tokens: int = 5, seed: int = 0) -> list[str]:
    """`num_samples` continuations of `prompt`, drawn from the model's full distribution."""
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)  # plain text, no chat
    torch.manual_seed(seed)
    output_ids = model.generate(
        **inputs, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,  # no filtering
        max_new_tokens=max_new_tokens, num_return_sequences=num_samples,
        pad_token_id=tokenizer.eos_token_id)  # (num_samples, num_tokens)
    new_ids = output_ids[:, inputs["input_ids"].shape[1]:]
    return tokenizer.batch_decode(new_ids, skip_special_tokens=True)
# --8<-- [end:completions]


# --8<-- [start:count]
import re
from collections import Counter


def first_word(completion: str) -> str:
    """The first word of a completion, lower-cased: " Nurse at a" -> "nurse"."""
    words = re.findall(r"[a-z]+(?:[-'][a-z]+)*", completion.lower())
    return words[0] if words else ""


def count_first_words(completions: list[str]) -> Counter:
    """How often each first word starts a completion (empty completions are not counted)."""
    return Counter(word for word in map(first_word, completions) if word)


def side_by_side(counts: dict[str, Counter], top: int = 8) -> list[list[str]]:
    """Rows of a table: the `top` most common words of each prompt with their counts."""
    columns = [[f"{word} ({n})" for word, n in counter.most_common(top)]
               for counter in counts.values()]
    return [[column[i] if i < len(column) else "" for column in columns] for i in range(top)]
# --8<-- [end:count]


# --8<-- [start:log_prob]
import math

import pandas as pd
import torch


@torch.no_grad()
def continuation_log_prob(model, tokenizer, prompt: str, continuation: str) -> float:
    """log P(continuation | prompt): the sum of the log probabilities of its tokens."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    continuation_ids = tokenizer(continuation, add_special_tokens=False)["input_ids"]
    if not continuation_ids:
        raise ValueError(f"continuation must hold at least one token, got {continuation!r}")
    input_ids = torch.tensor([prompt_ids + continuation_ids], device=model.device)
    log_probs = model(input_ids).logits[0].log_softmax(-1)  # (num_tokens, vocab_size)
    # the token at position t is predicted by the logits at position t - 1
    positions = range(len(prompt_ids) - 1, input_ids.shape[1] - 1)
    return sum(log_probs[t, input_ids[0, t + 1]].item() for t in positions)


def occupation_table(model, tokenizer, prompt_a: str, prompt_b: str, words: list[str]):
    """P(" word" | prompt) after each of two prompts, and how many times likelier after b."""
    rows = {}
    for word in words:
        p_a = math.exp(continuation_log_prob(model, tokenizer, prompt_a, " " + word))
        p_b = math.exp(continuation_log_prob(model, tokenizer, prompt_b, " " + word))
        rows[word] = {f"P(word | {prompt_a!r})": p_a, f"P(word | {prompt_b!r})": p_b,
                      "ratio b / a": p_b / p_a}
    return pd.DataFrame.from_dict(rows, orient="index")
# --8<-- [end:log_prob]


# --8<-- [start:ask]
# Needs: decoding.py:chat_prompt
import torch


@torch.no_grad()
def ask(model, tokenizer, question: str, max_new_tokens: int = 60) -> str:
    """The model's greedy answer to `question`, asked through its chat template."""
    input_ids = chat_input_ids(tokenizer, question, model.device)
    output_ids = model.generate(input_ids, do_sample=False, max_new_tokens=max_new_tokens,
                                pad_token_id=tokenizer.eos_token_id)
    return tokenizer.decode(output_ids[0, input_ids.shape[1]:], skip_special_tokens=True)
# --8<-- [end:ask]
