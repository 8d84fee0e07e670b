from functools import partial

import pytest
import torch
from exercise_sections import run_section
from transformers import BartForConditionalGeneration
from transformers.models.bart.modeling_bart import shift_tokens_right

from snippets.architectures.attention_masks import bidirectional_mask, causal_mask
from snippets.architectures.exercises import (
    TASK_MASKS,
    _one_layer,
    check_changed_outputs,
    check_masks_for_tasks,
    check_shift_right,
)
from snippets.architectures.local_attention import band_mask
from snippets.random_models import random_model

section = partial(run_section, "architectures")  # the names a section defines, run alone


# (checker, the answer's name, the section of the starting point, of the solution)
EXERCISES = [
    (check_masks_for_tasks, "my_masks", "masks_for_tasks_exercise", "masks_for_tasks_solution"),
    (check_changed_outputs, "my_changed_outputs", "changed_outputs_exercise",
     "changed_outputs_solution"),
    (check_shift_right, "my_shift_right", "shift_right_exercise", "shift_right_solution"),
]


@pytest.mark.parametrize(("check", "name", "_", "solution"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_every_solution_passes_its_checker(check, name, _, solution):
    verdict = check(section(solution)[name])
    assert verdict.right is True and repr(verdict).startswith("Right.")


@pytest.mark.parametrize(("check", "name", "starting_point", "_"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_the_unedited_starting_point_fails_with_a_hint(check, name, starting_point, _):
    verdict = check(section(starting_point)[name])
    assert verdict.right is False and repr(verdict).startswith("Not yet.")
    assert "Hint:" in verdict.message


# What the page shows under each unedited starting point: a hint about the method, not the
# answer's code or its values.
STARTING_POINT_GIVES_AWAY = {
    "my_masks": ["'causal'", '"causal"', "decoder-only", "encoder-decoder"],
    "my_changed_outputs": ["[:, position]", "column", "[0, 0", "[1, 1"],
    "my_shift_right": ["torch.cat", "[:, :-1]", "full_like", "roll"],
}


@pytest.mark.parametrize(("check", "name", "starting_point", "_"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_the_starting_points_hint_names_the_method_not_the_answer(check, name, starting_point,
                                                                  _):
    message = check(section(starting_point)[name]).message
    for giveaway in STARTING_POINT_GIVES_AWAY[name]:
        assert giveaway not in message, message


def test_the_task_table_follows_the_notes_guide():
    masks = section("masks_for_tasks_solution")["my_masks"]
    assert set(masks) == set(TASK_MASKS) == set(section("masks_for_tasks_exercise")["my_masks"])
    encoder_decoder = {"bidirectional", "causal", "cross"}
    assert [task for task, m in masks.items() if m == encoder_decoder] == ["translation",
                                                                          "summarization"]
    assert masks["sentiment classification"] == {"bidirectional"}
    assert masks["story writing"] == masks["chat assistant"] == {"causal"}


def with_answer(task, answer):
    masks = dict(section("masks_for_tasks_solution")["my_masks"])
    masks[task] = answer
    return masks


@pytest.mark.parametrize(("wrong", "hint"), [
    (with_answer("sentiment classification", {"causal"}), "labels a sentence"),
    (with_answer("named entity recognition", {"bidirectional", "causal", "cross"}),
     "it writes no text"),
    (with_answer("story writing", {"bidirectional", "causal", "cross"}),
     "one stack of layers"),
    (with_answer("chat assistant", {"bidirectional"}), "tokens written after it"),
    (with_answer("story writing", {"causal", "cross"}), "does the suggested architecture have "
     "both parts?"),
    (with_answer("sentiment classification", {"bidirectional", "cross"}), "have both parts?"),
    (with_answer("translation", {"causal"}), "has two parts"),
    (with_answer("translation", {"bidirectional", "causal"}), "how the decoder reads the encoder"),
    (with_answer("summarization", {"cross"}), "name the masks of the encoder's"),
    (with_answer("summarization", {"bidirectional", "cross-attention"}),
     "unknown mask names ['cross-attention']"),
    ({k: v for k, v in TASK_MASKS.items() if k != "translation"}, "No answer for ['translation']"),
    ([("translation", {"causal"})], "It is a list"),
])
def test_a_wrong_choice_of_masks_gets_its_hint(wrong, hint):
    verdict = check_masks_for_tasks(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


def test_a_mask_name_may_be_given_as_one_string():
    masks = with_answer("story writing", "causal")
    assert check_masks_for_tasks(masks).right is True


def test_the_checker_measures_the_changes_on_a_real_layer():
    """What the checker measures is the column of the mask, and nothing else."""
    x = torch.randn(6, 8, generator=torch.Generator().manual_seed(1))
    for mask in (causal_mask(6), bidirectional_mask(6), band_mask(6, radius=1),
                 band_mask(6, radius=2, causal=True)):
        for position in range(6):
            changed_x = x.clone()
            changed_x[position] += 1.0
            change = (_one_layer(mask, changed_x) - _one_layer(mask, x)).abs().amax(-1)
            assert torch.equal(change > 1e-9, mask[:, position])
            assert (change[mask[:, position]] > 1e-4).all()  # far above rounding
            assert (change[~mask[:, position]] == 0).all()  # exactly the same
    solution = section("changed_outputs_solution")["my_changed_outputs"]
    assert solution(causal_mask(6), 5).tolist() == [False] * 5 + [True]  # the lesson's decoder
    assert solution(bidirectional_mask(6), 5).all()  # and encoder


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda mask, position: torch.ones(mask.shape[0], dtype=torch.bool),
     "it says every output changes"),
    (lambda mask, position: mask[position], "(row 2)"),
    (lambda mask, position: mask[:, position].tolist(), "It returned a list"),
    (lambda mask, position: mask, "It returned shape (6, 6)"),
    (lambda mask, position: torch.arange(6) == position,
     "it returned [0, 0, 1, 0, 0, 0]. Hint: for each query i, may it attend to key 2?"),
    (lambda mask, position: ~mask[:, position], "Read that in the mask."),
    (lambda mask, position: torch.arange(6) > position, "Read that in the mask."),
    (lambda mask, position: torch.arange(6) >= position,  # right for causal masks only
     "With the bidirectional mask and the token at 2 changed"),
])
def test_a_wrong_prediction_of_changed_outputs_gets_its_hint(wrong, hint):
    verdict = check_changed_outputs(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


def test_the_shift_right_solution_is_what_bart_reads_in_training():
    shift = section("shift_right_solution")["my_shift_right"]
    labels = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 12]])
    assert shift(labels, 2).tolist() == [[2, 5, 6, 7], [2, 9, 10, 11]]
    torch.testing.assert_close(shift(labels, 2), shift_tokens_right(labels, 1, 2))
    model = random_model(BartForConditionalGeneration)
    source = torch.tensor([[5, 6, 7]])
    with torch.no_grad():  # given labels, BART shifts them itself: the same logits
        from_labels = model(input_ids=source, labels=labels[:1]).logits
        from_ours = model(input_ids=source, decoder_input_ids=shift(labels[:1], 2)).logits
    torch.testing.assert_close(from_labels, from_ours)
    assert model.config.decoder_start_token_id == 2


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda labels, start_id: labels, "the very token it must predict"),
    (lambda labels, start_id: torch.cat([torch.full_like(labels[:, :1], start_id), labels], 1),
     "one token more than the labels"),
    (lambda labels, start_id: torch.cat([labels[:, 1:], torch.full_like(labels[:, :1],
                                                                        start_id)], 1),
     "to the left"),
    (lambda labels, start_id: torch.cat([torch.full_like(labels[:, :1], 2), labels[:, :-1]], 1),
     "With start_id=0, position 0 holds [2, 2]"),
    (lambda labels, start_id: torch.roll(labels, 1, dims=1), "Hint: put start_id there"),
    (lambda labels, start_id: torch.cat([torch.tensor([start_id]), labels[0, :-1]]),
     "It returned shape (5,)"),
    (lambda labels, start_id: labels.tolist(), "It returned a list"),
    (lambda labels, start_id: labels * 0, "it returned [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]"),
    (lambda labels, start_id: torch.cat([torch.full_like(labels[:, :1], start_id),
                                         labels[:, 1:]], 1),
     "It writes start_id over the first label. Hint: move every label one place right"),
    (lambda labels, start_id: torch.cat([torch.full_like(labels[:1], start_id), labels[:-1]], 0),
     "Hint: in each row, position t reads the label at t - 1"),
])
def test_a_wrong_shift_gets_its_hint(wrong, hint):
    verdict = check_shift_right(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message
