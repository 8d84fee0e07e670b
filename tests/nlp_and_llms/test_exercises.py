"""Lesson 02's exercises: each solution passes its checker; typical mistakes get their hint."""

from functools import partial

import torch
from exercise_sections import run_section

from snippets.exercises import Verdict
from snippets.nlp_and_llms.exercises import (
    check_cosine_similarities,
    check_few_shot_messages,
    check_mean_pooling,
)

section = partial(run_section, "nlp_and_llms")  # the names a section defines, run alone


def test_few_shot_solution_passes_and_the_starting_point_gets_its_hint():
    assert check_few_shot_messages(section("few_shot_solution")["my_few_shot_messages"]).right
    start = check_few_shot_messages(section("few_shot_exercise")["my_few_shot_messages"])
    assert not start.right and "the role 'system'" in start.message


def test_few_shot_mistakes_get_their_hints():
    def one_turn_per_example(instruction, shots, text):
        return ([{"role": "system", "content": instruction}]
                + [{"role": "user", "content": f"{t}: {label}"} for t, label in shots]
                + [{"role": "user", "content": text}])

    def answered(instruction, shots, text):  # gives the answer to the text too
        return one_turn_per_example(instruction, shots, text) + [
            {"role": "assistant", "content": "music"}]

    def labels_as_users(instruction, shots, text):
        messages = [{"role": "system", "content": instruction}]
        for t, label in shots:
            messages += [{"role": "user", "content": t}, {"role": "user", "content": label}]
        return messages + [{"role": "user", "content": text}]

    verdict = check_few_shot_messages(one_turn_per_example)
    assert not verdict.right and "its label as 'assistant'" in verdict.message
    assert "2 messages, not 4" in check_few_shot_messages(one_turn_per_example).message
    assert "does not end with the text" in check_few_shot_messages(answered).message
    assert "its label as 'assistant'" in check_few_shot_messages(labels_as_users).message
    def swapped_roles(instruction, shots, text):  # the label asked, the text answered
        messages = [{"role": "system", "content": instruction}]
        for t, label in shots:
            messages += [{"role": "assistant", "content": label}, {"role": "user", "content": t}]
        return messages + [{"role": "user", "content": text}]

    def reversed_examples(instruction, shots, text):
        return labels_as_users(instruction, [], text)[:1] + [
            message for t, label in reversed(shots) for message in (
                {"role": "user", "content": t}, {"role": "assistant", "content": label})
        ] + [{"role": "user", "content": text}]

    for wrong_order in [swapped_roles, reversed_examples, labels_as_users]:
        verdict = check_few_shot_messages(wrong_order)
        assert not verdict.right and "right count of messages but the wrong order or roles" in (
            verdict.message) and "messages, not" not in verdict.message
    assert "a list of messages" in check_few_shot_messages(lambda i, s, t: f"{i} {t}").message
    assert check_few_shot_messages(lambda i, s, t: 1 / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")


def test_cosine_solution_passes_and_the_starting_point_gets_its_hint():
    assert check_cosine_similarities(section("cosine_solution")["my_cosine_similarities"]).right
    start = check_cosine_similarities(section("cosine_exercise")["my_cosine_similarities"])
    assert not start.right and "dot products" in start.message and "norm" in start.message


def test_cosine_mistakes_get_their_hints():
    def whole_norm(embeddings):  # one norm for the whole matrix, not one per row
        unit = embeddings / embeddings.norm()
        return unit @ unit.T

    def one_pair(embeddings):
        return torch.nn.functional.cosine_similarity(embeddings[0], embeddings[1], dim=0)

    def rows_then_columns(embeddings):  # normalises only one side
        return (embeddings / embeddings.norm(dim=-1, keepdim=True)) @ embeddings.T

    assert "its own norm" in check_cosine_similarities(whole_norm).message
    assert "shape (4, 4)" in check_cosine_similarities(one_pair).message
    assert not check_cosine_similarities(rows_then_columns).right

    def norm_without_keepdim(embeddings):  # (4, 6) / (4,) does not broadcast
        unit = embeddings / embeddings.norm(dim=-1)
        return unit @ unit.T

    verdict = check_cosine_similarities(norm_without_keepdim)
    assert not verdict.right and "RuntimeError" in verdict.message
    assert "keepdim=True" in verdict.message


def test_cosine_accepts_a_right_answer_in_float64():
    def in_float64(embeddings):
        unit = embeddings.double() / embeddings.double().norm(dim=-1, keepdim=True)
        return unit @ unit.T

    assert check_cosine_similarities(in_float64).right


def test_mean_pooling_solution_passes_and_the_starting_point_gets_its_hint():
    assert check_mean_pooling(section("pooling_solution")["my_mean_pooling"]).right
    start = check_mean_pooling(section("pooling_exercise")["my_mean_pooling"])
    assert not start.right and "wrong for the padded ones" in start.message
    assert "attention_mask[..., None]" in start.message


def test_mean_pooling_mistakes_get_their_hints():
    def padded_length(hidden, attention_mask):
        return (hidden * attention_mask[..., None]).sum(dim=1) / hidden.shape[1]

    def first_token(hidden, attention_mask):
        return hidden[:, 0]

    def per_token(hidden, attention_mask):
        return hidden * attention_mask[..., None]

    assert "attention_mask.sum(dim=1, keepdim=True)" in check_mean_pooling(padded_length).message
    assert "not the averages" in check_mean_pooling(first_token).message
    assert "shape (3, 4)" in check_mean_pooling(per_token).message


def test_mean_pooling_shape_errors_and_the_whole_batch_get_their_hints():
    def mask_without_last_axis(hidden, attention_mask):  # (3, 5, 4) * (3, 5)
        return (hidden * attention_mask).sum(dim=1) / attention_mask.sum(dim=1)

    def sum_without_keepdim(hidden, attention_mask):  # (3, 4) / (3,)
        return (hidden * attention_mask[..., None]).sum(dim=1) / attention_mask.sum(dim=1)

    def whole_batch(hidden, attention_mask):
        return (hidden * attention_mask[..., None]).sum(dim=1) / attention_mask.sum()

    for shape_error in [mask_without_last_axis, sum_without_keepdim]:
        verdict = check_mean_pooling(shape_error)
        assert not verdict.right and "RuntimeError" in verdict.message
        assert "attention_mask[..., None]" in verdict.message
        assert "sum(dim=1, keepdim=True)" in verdict.message
    verdict = check_mean_pooling(whole_batch)
    assert not verdict.right and "whole batch" in verdict.message
    assert "sum(dim=1, keepdim=True)" in verdict.message


def test_mean_pooling_accepts_a_right_answer_in_float64():
    def in_float64(hidden, attention_mask):
        mask = attention_mask[..., None].double()
        return (hidden.double() * mask).sum(dim=1) / mask.sum(dim=1)

    assert check_mean_pooling(in_float64).right
