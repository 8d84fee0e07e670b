"""Lesson 04's exercises: each solution passes its checker; typical mistakes get their hint."""

from functools import partial

import pytest
import torch
from exercise_sections import run_section
from transformers import GPT2Config, GPT2LMHeadModel

from snippets.exercises import Verdict
from snippets.how_transformers_work.exercises import (
    END_OF_TURN,
    GPT2_CONFIGS,
    causal_batch,
    check_causal_labels,
    check_gpt2_parameters,
    check_gpu_hours,
)
from snippets.how_transformers_work.model_size import gpt2_parameters

section = partial(run_section, "how_transformers_work")  # the names a section defines, run alone


def test_gpt2_solution_passes_and_counts_what_the_model_holds():
    solution = section("gpt2_solution")["my_gpt2_parameters"]
    assert check_gpt2_parameters(solution).right
    assert solution(GPT2Config()) == 124_439_808  # GPT-2 small, as published (124M)
    for config in GPT2_CONFIGS.values():  # the same count as the deep dive's, part by part
        assert solution(config) == sum(gpt2_parameters(config).values())
    with torch.device("meta"):  # the checker's reference is the model, not our formula
        medium = sum(p.numel() for p in GPT2LMHeadModel(GPT2_CONFIGS["GPT-2 medium"]).parameters())
    assert medium == 354_823_168


def test_gpt2_starting_point_fails_with_the_recipe():
    verdict = check_gpt2_parameters(section("gpt2_exercise")["my_gpt2_parameters"])
    assert not verdict.right and verdict.message.startswith(
        "For GPT-2 small you count 38,597,376 parameters: too few.")
    assert "add the token and position embeddings" in verdict.message


def test_gpt2_mistakes_get_their_hints():
    right = section("gpt2_solution")["my_gpt2_parameters"]

    def hint(mistake):
        verdict = check_gpt2_parameters(mistake)
        assert not verdict.right
        return verdict.message

    assert "a vector for each position" in hint(lambda c: right(c) - c.n_positions * c.n_embd)
    assert "tied to the token embedding" in hint(lambda c: right(c) + c.vocab_size * c.n_embd)
    assert "a bias too" in hint(lambda c: right(c) - c.n_layer * 9 * c.n_embd)
    assert "two in every layer" in hint(lambda c: right(c) - c.n_layer * 4 * c.n_embd
                                        - 2 * c.n_embd)
    assert "one more LayerNorm" in hint(lambda c: right(c) - 2 * c.n_embd)
    assert "124,439,808" not in hint(lambda c: 0)  # never the number to reach
    assert "too many" in hint(lambda c: right(c) + c.vocab_size * c.n_embd)
    assert check_gpt2_parameters(lambda c: 1 / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")


def test_causal_labels_solution_passes_and_the_starting_point_does_not():
    assert check_causal_labels(section("labels_solution")["my_causal_labels"]).right
    verdict = check_causal_labels(section("labels_exercise")["my_causal_labels"])
    assert not verdict.right and "The padding still counts" in verdict.message
    assert "attention mask" not in verdict.message  # the trap is left for the reader to meet


def test_the_batch_holds_a_real_end_of_turn_and_padding_with_the_same_id():
    input_ids, attention_mask = causal_batch()
    assert input_ids[0, -1] == END_OF_TURN and attention_mask[0, -1] == 1  # a real one
    assert (input_ids[1, 3:] == END_OF_TURN).all() and (attention_mask[1, 3:] == 0).all()


def test_causal_labels_mistakes_get_their_hints():
    def by_pad_id(input_ids, attention_mask):  # what the data collator does
        return input_ids.masked_fill(input_ids == END_OF_TURN, -100)

    def zeros(input_ids, attention_mask):
        return input_ids * attention_mask

    def shifted(input_ids, attention_mask):
        return input_ids.masked_fill(attention_mask == 0, -100)[:, 1:]

    def everything_ignored(input_ids, attention_mask):
        return torch.full_like(input_ids, -100)

    assert "the attention mask is 0, whatever the token" in check_causal_labels(by_pad_id).message
    assert "the loss ignores the label -100" in check_causal_labels(zeros).message
    assert "do not shift them" in check_causal_labels(shifted).message
    assert "change only the padding" in check_causal_labels(everything_ignored).message


def test_causal_labels_of_the_wrong_type_get_their_own_hints():
    def as_list(input_ids, attention_mask):
        return input_ids.masked_fill(attention_mask == 0, -100).tolist()

    def as_floats(input_ids, attention_mask):  # torch.equal alone would accept these
        return input_ids.masked_fill(attention_mask == 0, -100).float()

    listed, floats = check_causal_labels(as_list), check_causal_labels(as_floats)
    assert not listed.right and "a list, not a tensor" in listed.message
    assert "do not shift" not in listed.message
    assert not floats.right and "torch.float32 numbers" in floats.message
    assert "integer dtype" in floats.message


def test_gpu_hours_solution_passes_and_gives_smollm2s_hours_and_days():
    solution = section("gpu_hours_solution")
    verdict = check_gpu_hours(solution["my_gpu_hours"], solution["days_on_64_gpus"])
    assert verdict.right and "2.3 days on 64 GPUs" in verdict.message
    hours = solution["my_gpu_hours"](135e6, 2e12, 312e12, 0.4)
    assert hours == pytest.approx(1.62e21 / 124.8e12 / 3600)
    assert solution["days_on_64_gpus"] == pytest.approx(hours / 64 / 24)
    assert check_gpu_hours(solution["my_gpu_hours"], 2.3).right  # rounded to 2 digits


def test_gpu_hours_starting_point_and_mistakes_get_their_hints():
    start = section("gpu_hours_exercise")
    verdict = check_gpu_hours(start["my_gpu_hours"], start["days_on_64_gpus"])
    assert not verdict.right and "these are FLOPs" in verdict.message
    assert "too many" in verdict.message and "3,606" not in verdict.message  # not the target

    def hint(mistake):
        verdict = check_gpu_hours(mistake, 2.3)
        assert not verdict.right
        return verdict.message

    assert "an hour has 3600" in hint(lambda n, d, peak, u: 6 * n * d / (peak * u))
    assert "divide by peak x utilisation" in hint(lambda n, d, peak, u: 6 * n * d / peak / 3600)
    assert "divide by it, do not multiply" in hint(
        lambda n, d, peak, u: 6 * n * d / peak * u / 3600)
    assert "2 in the forward pass" in hint(lambda n, d, peak, u: 2 * n * d / (peak * u) / 3600)
    assert "gives seconds" in hint(lambda n, d, peak, u: 1.0)


def test_the_days_are_checked_with_their_own_hints():
    right = section("gpu_hours_solution")["my_gpu_hours"]
    hours = right(135e6, 2e12, 312e12, 0.4)

    def hint(days):
        verdict = check_gpu_hours(right, days)
        assert not verdict.right and verdict.message.startswith("The GPU-hours are right")
        assert "2.3" not in verdict.message  # the days to reach are never printed
        return verdict.message

    assert "set days_on_64_gpus to a number" in hint(None)
    assert "those are GPU-hours" in hint(hours)
    assert "a day has 24 of them" in hint(hours / 64)
    assert "the 64 GPUs share the work" in hint(hours / 24)
    assert "divide by the GPUs and by the hours in a day" in hint(1000.0)
