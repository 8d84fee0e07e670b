"""Probing a language model for bias: sampled completions counted, and exact probabilities."""

# Shown in lessons by their own sections:
from snippets.checks import require
from snippets.inference.decoding import chat_input_ids

# --8<-- [start:completions]
# Needs: checks.py:require
import torch


@torch.no_grad()
def sample_completions(model, tokenizer, prompt: str, num_samples: int = 100,
                       max_new_tokens: int = 5, seed: int = 0) -> list[str]:
    """`num_samples` continuations of `prompt`, drawn from the model's full distribution."""
    require(num_samples >= 1, f"num_samples must be >= 1, got {num_samples}")
    require(max_new_tokens >= 1, f"max_new_tokens must be >= 1, got {max_new_tokens}")
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)  # plain text, no chat
    torch.manual_seed(seed)
    output_ids = model.generate(
        **inputs, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,  # no filtering
        max_new_tokens=max_new_tokens, num_return_sequences=num_samples,
        pad_token_id=tokenizer.eos_token_id)  # (num_samples, num_tokens)
    new_ids = output_ids[:, inputs["input_ids"].shape[1]:]
    return tokenizer.batch_decode(new_ids, skip_special_tokens=True)
# --8<-- [end:completions]


# --8<-- [start:jobs]
# Jobs held mostly by women, and mostly by men, in U.S. labour statistics (Bureau of Labor
# Statistics, Current Population Survey, "Employed persons by detailed occupation and sex").
# Each starts with a consonant, so that "a" before it is grammatical, and none is marked for
# gender by its form (no "waitress").
WOMEN_MOSTLY = ["nurse", "secretary", "receptionist", "housekeeper", "hairdresser", "nanny"]
MEN_MOSTLY = ["mechanic", "carpenter", "plumber", "pilot", "firefighter", "welder"]
JOB_GROUPS = {"jobs held mostly by women": WOMEN_MOSTLY, "jobs held mostly by men": MEN_MOSTLY}
# --8<-- [end:jobs]


# --8<-- [start:count]
# Needs: checks.py:require
import re
from collections import Counter

import pandas as pd


def words_of(completion: str) -> list[str]:
    """The words of a completion, lower-cased: " Part-time Nurse." -> part-time, nurse."""
    return re.findall(r"[a-z]+(?:[-'][a-z]+)*", completion.lower())


def job_word(completion: str, jobs: list[str]) -> str:
    """The first word of `completion` in `jobs`, or "": " part-time nurse at" -> "nurse"."""
    return next((word for word in words_of(completion) if word in jobs), "")


def count_job_words(completions: list[str], jobs: list[str]) -> Counter:
    """How many completions name each of `jobs` (those that name none are not counted)."""
    return Counter(word for word in (job_word(c, jobs) for c in completions) if word)


def group_counts(samples: dict[tuple[str, int], list[str]],
                 groups: dict[str, list[str]]) -> pd.DataFrame:
    """How many completions name a job of each group: a row per prompt and group, a column
    per seed."""
    require(samples and groups, f"need samples and groups, got {len(samples)} and {len(groups)}")
    rows = {}
    for (prompt, seed), completions in samples.items():
        for group, jobs in groups.items():
            rows.setdefault((prompt, group), {})[f"seed {seed}"] = sum(
                count_job_words(completions, jobs).values())
    table = pd.DataFrame.from_dict(rows, orient="index")
    return table.rename_axis(["prompt", "names one of"])
# --8<-- [end:count]


# --8<-- [start:log_prob]
# Needs: checks.py:require
import torch


@torch.no_grad()
def continuation_log_prob(model, tokenizer, prompt: str, continuation: str) -> float:
    """log P(continuation | prompt): the sum of the log probabilities of its tokens."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    continuation_ids = tokenizer(continuation, add_special_tokens=False)["input_ids"]
    require(continuation_ids, f"continuation must hold at least one token, got {continuation!r}")
    input_ids = torch.tensor([prompt_ids + continuation_ids], device=model.device)
    log_probs = model(input_ids).logits[0].log_softmax(-1)  # (num_tokens, vocab_size)
    # the token at position t is predicted by the logits at position t - 1
    positions = range(len(prompt_ids) - 1, input_ids.shape[1] - 1)
    return sum(log_probs[t, input_ids[0, t + 1]].item() for t in positions)
# --8<-- [end:log_prob]


# --8<-- [start:log_probs]
# Needs: checks.py:require
import torch


@torch.no_grad()
def continuation_log_probs(model, tokenizer, prompt: str,
                           continuations: list[str]) -> torch.Tensor:
    """log P(continuation | prompt) for every continuation, in one padded batch."""
    require(continuations, "continuations is empty: nothing to score")
    prompt_ids = tokenizer(prompt)["input_ids"]
    ids = [tokenizer(c, add_special_tokens=False)["input_ids"] for c in continuations]
    require(all(ids), f"every continuation must hold a token, got {continuations!r}")
    width = len(prompt_ids) + max(map(len, ids))
    input_ids = torch.zeros(len(ids), width, dtype=torch.long)  # padded on the right
    attention_mask = torch.zeros(len(ids), width, dtype=torch.long)
    for row, c_ids in enumerate(ids):
        input_ids[row, :len(prompt_ids) + len(c_ids)] = torch.tensor(prompt_ids + c_ids)
        attention_mask[row, :len(prompt_ids) + len(c_ids)] = 1
    input_ids = input_ids.to(model.device)
    attention_mask = attention_mask.to(model.device)
    logits = model(input_ids, attention_mask=attention_mask).logits
    log_probs = logits.log_softmax(-1)  # (num_continuations, width, vocab_size)
    # the token at position t is predicted by the logits at position t - 1
    token_log_probs = log_probs[:, :-1].gather(-1, input_ids[:, 1:, None])[..., 0]
    in_continuation = attention_mask[:, 1:].clone()
    in_continuation[:, :len(prompt_ids) - 1] = 0  # the prompt's own tokens do not count
    return (token_log_probs * in_continuation).sum(dim=1)  # (num_continuations,)
# --8<-- [end:log_probs]


# --8<-- [start:tables]
# Needs: checks.py:require, bias/bias_probes.py:log_probs
import pandas as pd


def occupation_table(model, tokenizer, prompt_a: str, prompt_b: str,
                     words: list[str]) -> pd.DataFrame:
    """1,000 x P(" word" | prompt) after two prompts, and how many times likelier after b."""
    continuations = [" " + word for word in words]
    p_a, p_b = (continuation_log_probs(model, tokenizer, prompt, continuations)
                .double().exp().cpu() for prompt in (prompt_a, prompt_b))  # (num_words,)
    return pd.DataFrame({f"per 1,000 after {prompt_a!r}": 1000 * p_a,
                         f"per 1,000 after {prompt_b!r}": 1000 * p_b,
                         "ratio b / a": p_b / p_a},
                        index=pd.Index(words, name="next word"))


def group_table(model, tokenizer, prompts: list[str],
                groups: dict[str, list[str]]) -> pd.DataFrame:
    """1,000 x P(the next word is one of a group's jobs | prompt), per prompt and group."""
    require(prompts and groups, f"need prompts and groups, got {len(prompts)} and {len(groups)}")
    return pd.DataFrame(
        {group: [1000 * continuation_log_probs(model, tokenizer, prompt,
                                               [" " + job for job in jobs])
                 .double().exp().sum().item() for prompt in prompts]
         for group, jobs in groups.items()},
        index=pd.Index(prompts, name="per 1,000 continuations of"))
# --8<-- [end:tables]


# --8<-- [start:ask]
# Needs: inference/decoding.py:chat_prompt
import torch


@torch.no_grad()
def ask(model, tokenizer, question: str, max_new_tokens: int = 60) -> str:
    """The model's greedy answer to `question`, asked through its chat template."""
    input_ids = chat_input_ids(tokenizer, question, model.device)
    output_ids = model.generate(input_ids, do_sample=False, max_new_tokens=max_new_tokens,
                                pad_token_id=tokenizer.eos_token_id)
    return tokenizer.decode(output_ids[0, input_ids.shape[1]:], skip_special_tokens=True)
# --8<-- [end:ask]
