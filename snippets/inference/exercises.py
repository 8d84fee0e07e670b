"""Lesson 08's exercises: top-k by hand, which penalty removes a repeat, a KV cache's size."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section
from snippets.inference.penalties import PresenceFrequencyPenalty  # shown by its own section
from snippets.inference.serving import kv_cache_bytes  # shown in lessons by its own section

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, inference/penalties.py:presence_frequency
# Needs: inference/serving.py:kv_cache_bytes
import torch
from transformers import LlamaConfig, RepetitionPenaltyLogitsProcessor, TopKLogitsWarper


@checker
def check_top_k(my_top_k) -> Verdict:
    """Compare my_top_k(logits, k) with transformers' TopKLogitsWarper on random logits."""
    generator = torch.Generator().manual_seed(0)
    for batch_size, vocab_size, k in [(1, 50, 5), (3, 50, 1), (2, 10, 10)]:
        logits = torch.randn(batch_size, vocab_size, generator=generator)
        expected = TopKLogitsWarper(top_k=k)(None, logits.clone())
        case = f"with {batch_size} row{'s' if batch_size > 1 else ''} of {vocab_size} and k={k}"
        try:
            got = my_top_k(logits.clone(), k)
        except RuntimeError as error:
            hint = ("keep the k-th largest value of each row as a column (values[..., -1:], "
                    "or keepdim=True), so that it compares with every logit of its row"
                    if "must match the size" in str(error) else "print the shapes you combine")
            return Verdict(False, f"{case}, your answer raised RuntimeError: {error} Hint: {hint}.")
        if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
            return Verdict(False, f"my_top_k must return a tensor of the logits' shape "
                                  f"{tuple(logits.shape)}. Hint: filter the logits, do not "
                                  "pick token ids.")
        kept = torch.isfinite(got).sum(dim=-1)
        if (kept != k).any() and ((got == 0).sum(dim=-1) >= vocab_size - k).all():
            return Verdict(False, f"{case}, the removed tokens are 0: 0 is still a logit, and "
                                  "a likely one. Hint: use -torch.inf, whose probability is 0.")
        if (kept != k).any():
            return Verdict(False, f"{case}, your rows keep {kept.tolist()} tokens. Hint: set "
                                  "every logit below the k-th largest to -inf (torch.topk "
                                  "gives the k largest values of each row).")
        if not torch.equal(torch.isfinite(got), torch.isfinite(expected)):
            return Verdict(False, "you keep k tokens, but not the k most likely ones. Hint: "
                                  "torch.topk sorts from the largest; keep those.")
        if not torch.equal(got, expected):
            return Verdict(False, "you keep the right tokens but change their logits. Hint: "
                                  "top-k only removes tokens; the kept logits stay as they are.")
    return Verdict(True, "your top-k keeps the same tokens, with the same logits, as "
                         "transformers' TopKLogitsWarper.")


def penalised_logits() -> dict[str, torch.Tensor]:
    """The exercise's two logits (' the' 26.5, generated twice; ' a' 25.9) after each setting."""
    the = 0  # the token ids of a two-token vocabulary: ' the' 0, ' a' 1
    generated = torch.tensor([[the, the]])  # what the model wrote so far
    logits = torch.tensor([[26.5, 25.9]])
    settings = {"presence 0.5": PresenceFrequencyPenalty(0.5, 0.0, prompt_length=0),
                "frequency 0.5": PresenceFrequencyPenalty(0.0, 0.5, prompt_length=0),
                "repetition_penalty 1.2": RepetitionPenaltyLogitsProcessor(penalty=1.2)}
    return {name: processor(generated, logits.clone())[0]
            for name, processor in settings.items()}


PENALTY_RULES = {"presence 0.5": "a presence penalty is paid once, however often the token "
                                  "appeared.",
                 "frequency 0.5": "a frequency penalty is paid for every earlier use.",
                 "repetition_penalty 1.2": "repetition_penalty divides a positive logit; at "
                                           "26.5, what does dividing by 1.2 take away?"}


@checker
def check_penalty_prediction(my_prediction: set[str]) -> Verdict:
    """Are these exactly the settings after which ' a' (id 1) becomes the greedy choice?"""
    if isinstance(my_prediction, str) or not isinstance(my_prediction, set | frozenset):
        return Verdict(False, 'give a set of setting names, such as {"presence 0.5"}.')
    penalised = {name: logits.tolist() for name, logits in penalised_logits().items()}
    unknown = my_prediction - set(penalised)
    if unknown:
        return Verdict(False, f"{sorted(unknown)} is not one of the settings {sorted(penalised)}.")
    wins = {name for name, (the, a) in penalised.items() if a > the}
    wrongly_in, left_out = sorted(my_prediction - wins), sorted(wins - my_prediction)
    if wrongly_in:
        return Verdict(False, f"after {wrongly_in[0]}, ' the' still has the larger logit. "
                              f"Hint: {PENALTY_RULES[wrongly_in[0]]}")
    if left_out:
        return Verdict(False, f"a setting you left out makes ' a' win too. "
                              f"Hint: {PENALTY_RULES[left_out[0]]}")
    after = ", ".join(f"{name} leaves ' the' at {the:.2f}" for name, (the, a) in penalised.items())
    return Verdict(True, f"{after}, against 25.90 for ' a'. Additive penalties take off a fixed "
                         "amount; repetition_penalty takes off a share of the logit.")


@checker
def check_kv_cache_bytes(my_kv_cache_bytes) -> Verdict:
    """Compare my_kv_cache_bytes(config, num_tokens, bytes_per_number) with the lesson's."""
    configs = {  # a head of 64 numbers everywhere (hidden_size / num_attention_heads)
        "SmolLM2-135M": LlamaConfig(num_hidden_layers=30, hidden_size=576,
                                    num_attention_heads=9, num_key_value_heads=3),
        "Llama-3-8B": LlamaConfig(num_hidden_layers=32, hidden_size=4096,
                                  num_attention_heads=32, num_key_value_heads=8),
        "one key/value head per query head": LlamaConfig(
            num_hidden_layers=4, hidden_size=256, num_attention_heads=4, num_key_value_heads=4),
    }
    dtypes = {2: torch.bfloat16, 4: torch.float32}
    for name, config in configs.items():
        for num_tokens, bytes_per_number in [(1, 4), (8192, 2)]:
            expected = kv_cache_bytes(config, num_tokens, dtype=dtypes[bytes_per_number])
            got = my_kv_cache_bytes(config, num_tokens, bytes_per_number)
            if got == expected:
                continue
            per_number = expected // bytes_per_number
            hints = [(expected // 2, "count both the keys and the values"),
                     (per_number, "multiply by the bytes of each number"),
                     (expected * config.num_attention_heads // config.num_key_value_heads,
                      "the cache keeps num_key_value_heads heads, fewer than the query heads "
                      "when they are grouped")]
            hint = next((text for value, text in hints if got == value),
                        "layers x key/value heads x head size x tokens, for keys and values")
            tokens = f"{num_tokens} token{'s' if num_tokens > 1 else ''}"
            return Verdict(False, f"for {name} ({tokens}, {bytes_per_number} bytes a "
                                  f"number) you get {got:,} bytes, not {expected:,}. "
                                  f"Hint: {hint}.")
    return Verdict(True, "2 x layers x key/value heads x head size x tokens x bytes, on every "
                         "config checked.")
# --8<-- [end:checkers]


# --8<-- [start:top_k_exercise]
import torch


def my_top_k(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row; set every other logit to -inf."""
    # Your code here. torch.topk(logits, k) gives the k largest values of each row.
    return logits
# --8<-- [end:top_k_exercise]


# --8<-- [start:top_k_solution]
import torch


def my_top_k(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row; set every other logit to -inf."""
    values, indices = torch.topk(logits, k)  # (batch_size, k): the k largest, and where
    removed = torch.full_like(logits, -torch.inf)  # every token removed...
    return removed.scatter(-1, indices, values)  # ...but the k largest, put back in place
# --8<-- [end:top_k_solution]


# --8<-- [start:kv_cache_exercise]
def my_kv_cache_bytes(config, num_tokens: int, bytes_per_number: int) -> int:
    """Bytes of the KV cache of one sequence of num_tokens tokens."""
    # Your code here. The config has num_hidden_layers, num_attention_heads,
    # num_key_value_heads and head_dim.
    return config.num_hidden_layers * num_tokens
# --8<-- [end:kv_cache_exercise]


# --8<-- [start:kv_cache_solution]
def my_kv_cache_bytes(config, num_tokens: int, bytes_per_number: int) -> int:
    """Bytes of the KV cache of one sequence of num_tokens tokens."""
    numbers_per_token = (2 * config.num_hidden_layers  # a key and a value in every layer
                         * config.num_key_value_heads * config.head_dim)
    return numbers_per_token * num_tokens * bytes_per_number
# --8<-- [end:kv_cache_solution]
