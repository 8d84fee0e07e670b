"""Lesson 08's exercises: each solution passes its checker; typical mistakes get their hint."""

from functools import partial

import torch
from exercise_sections import run_section
from transformers import AutoConfig

from snippets.exercises import Verdict
from snippets.inference.exercises import (
    check_kv_cache_bytes,
    check_penalty_prediction,
    check_top_k,
    penalised_logits,
)

section = partial(run_section, "inference")  # the names a section defines, run alone


def test_top_k_solution_passes_and_the_starting_point_does_not():
    assert check_top_k(section("top_k_solution")["my_top_k"]).right
    verdict = check_top_k(section("top_k_exercise")["my_top_k"])
    assert not verdict.right and "keep [50] tokens" in verdict.message


def test_top_k_mistakes_get_their_hints():
    def smallest(logits, k):  # keeps the k least likely
        kth = torch.topk(logits, k, largest=False).values[..., -1:]
        return logits.masked_fill(logits > kth, -torch.inf)

    def probabilities(logits, k):  # returns softmaxed values for the kept tokens
        kth = torch.topk(logits, k).values[..., -1:]
        return torch.softmax(logits, -1).masked_fill(logits < kth, -torch.inf)

    def token_ids(logits, k):
        return torch.topk(logits, k).indices

    def zeros(logits, k):  # 0 where -inf belongs
        kth = torch.topk(logits, k).values[..., -1:]
        return logits.masked_fill(logits < kth, 0.0)

    def no_keepdim(logits, k):  # the k-th largest as a row, not a column
        kth = torch.topk(logits, k).values[..., -1]
        return logits.masked_fill(logits < kth, -torch.inf)

    assert "not the k most likely" in check_top_k(smallest).message
    assert "change their logits" in check_top_k(probabilities).message
    assert "must return a tensor of the logits' shape" in check_top_k(token_ids).message
    assert "0 is still a logit" in check_top_k(zeros).message
    verdict = check_top_k(no_keepdim)  # fails on the batch of 3 rows
    assert "with 3 rows of 50 and k=1" in verdict.message and "keepdim=True" in verdict.message
    assert check_top_k(lambda logits, k: 1 / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")


def test_the_penalties_switch_the_greedy_token_as_the_arithmetic_says():
    penalised = penalised_logits()
    assert torch.allclose(penalised["presence 0.5"], torch.tensor([26.0, 25.9]))
    assert torch.allclose(penalised["frequency 0.5"], torch.tensor([25.5, 25.9]))
    assert torch.allclose(penalised["repetition_penalty 1.2"], torch.tensor([26.5 / 1.2, 25.9]))
    assert check_penalty_prediction({"frequency 0.5", "repetition_penalty 1.2"}).right


def test_penalty_mistakes_get_their_hints_without_giving_the_numbers():
    presence = check_penalty_prediction({"presence 0.5", "frequency 0.5",
                                         "repetition_penalty 1.2"})
    assert not presence.right and "presence 0.5, ' the' still has" in presence.message
    assert "paid once" in presence.message and "26.00" not in presence.message
    missed = check_penalty_prediction({"frequency 0.5"})
    assert not missed.right and "divides a positive logit" in missed.message
    start = check_penalty_prediction(set())  # the page's starting point
    assert not start.right and "a setting you left out" in start.message
    assert "not one of the settings" in check_penalty_prediction({"top_k 5"}).message
    assert "give a set of setting names" in check_penalty_prediction("frequency 0.5").message
    right = check_penalty_prediction({"frequency 0.5", "repetition_penalty 1.2"})
    assert "presence 0.5 leaves ' the' at 26.00" in right.message


def test_kv_cache_solution_passes_and_matches_smollm2s_real_config():
    solution = section("kv_cache_solution")["my_kv_cache_bytes"]
    assert check_kv_cache_bytes(solution).right
    assert not check_kv_cache_bytes(section("kv_cache_exercise")["my_kv_cache_bytes"]).right
    config = AutoConfig.for_model("llama", num_hidden_layers=30, hidden_size=576,
                                  num_attention_heads=9, num_key_value_heads=3)
    assert solution(config, 1, 4) == 46_080  # 45 KiB a token in float32, as lesson 08 prints


def test_kv_cache_mistakes_get_their_hints():
    def no_values(config, num_tokens, nbytes):
        return (config.num_hidden_layers * config.num_key_value_heads * config.head_dim
                * num_tokens * nbytes)

    def no_bytes(config, num_tokens, nbytes):
        return (2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim
                * num_tokens)

    def query_heads(config, num_tokens, nbytes):
        return (2 * config.num_hidden_layers * config.num_attention_heads * config.head_dim
                * num_tokens * nbytes)

    assert "count both the keys and the values" in check_kv_cache_bytes(no_values).message
    assert "bytes of each number" in check_kv_cache_bytes(no_bytes).message
    assert "num_key_value_heads" in check_kv_cache_bytes(query_heads).message
