"""Lesson 09's exercises: each solution passes its checker; typical mistakes get their hint."""

from functools import partial

import numpy as np
import pytest
import torch
from exercise_sections import run_section

from snippets.bias.exercises import (
    AGREEMENT_CASE,
    _gender_swap,
    check_accuracy_by_agreement,
    check_effect_size,
    check_probe_pair,
    effect_size_cases,
)
from snippets.bias.weat import effect_size

section = partial(run_section, "bias")  # the names a section defines, run alone


def test_the_cases_include_four_target_words_and_sets_of_unequal_sizes():
    four_words, *others = effect_size_cases()
    X, Y, A, B = four_words
    assert len(X) + len(Y) == 4
    assert any(len(A) != len(B) for _, _, A, B in others)
    for case in effect_size_cases():  # unit vectors, as the lesson's embeddings are
        for words in case:
            torch.testing.assert_close(words.norm(dim=-1), torch.ones(len(words),
                                                                       dtype=words.dtype))


def test_effect_size_solution_passes_and_the_starting_point_does_not():
    solution = section("effect_size_solution")["my_effect_size"]
    assert check_effect_size(solution).right
    for case in effect_size_cases():  # the solution is the lesson's effect size
        assert solution(*case) == pytest.approx(effect_size(*case), rel=1e-6)
    verdict = check_effect_size(section("effect_size_exercise")["my_effect_size"])
    assert not verdict.right and "difference of the mean associations" in verdict.message
    assert "divide it by the standard deviation of s over the X and Y words" in verdict.message


def _d(X, Y, A, B, spread, reduce=torch.mean, sign=1):
    s_X = reduce(X @ A.T, dim=1) - reduce(X @ B.T, dim=1)
    s_Y = reduce(Y @ A.T, dim=1) - reduce(Y @ B.T, dim=1)
    return sign * ((s_X.mean() - s_Y.mean()) / spread(s_X, s_Y)).item()


@pytest.mark.parametrize("wrong, hint", [
    (lambda *w: _d(*w, lambda x, y: torch.cat([x, y]).std(), sign=-1), "sign is reversed"),
    (lambda *w: _d(*w, lambda x, y: torch.cat([x, y]).std(correction=0)), "divides by n, not"),
    (lambda *w: _d(*w, lambda x, y: ((x.var() * (len(x) - 1) + y.var() * (len(y) - 1))
                                     / (len(x) + len(y) - 2)).sqrt()), "as Cohen's d does"),
    (lambda *w: _d(*w, lambda x, y: x.std()), "spread over X alone"),
    (lambda *w: _d(*w, lambda x, y: torch.cat([x, y]).std(), reduce=torch.sum),
     "sums the cosines"),
    (lambda *w: torch.tensor([1.0, 2.0]), "It returned a Tensor"),
    (lambda *w: 0.5, "which is not d"),
], ids=["sign", "population-std", "cohen", "x-only", "sums", "not-a-number", "other"])
def test_typical_effect_size_mistakes_get_their_hint(wrong, hint):
    verdict = check_effect_size(wrong)
    assert not verdict.right and hint in verdict.message


def test_the_fallback_hint_does_not_give_the_answer_away():
    X, Y, A, B = effect_size_cases()[0]
    verdict = check_effect_size(lambda *w: 0.5)
    assert f"{effect_size(X, Y, A, B):.4f}" not in verdict.message


@pytest.mark.parametrize("as_type", [np.float32, np.float64, lambda d: np.array(d),
                                     lambda d: torch.tensor(d)],
                         ids=["float32", "float64", "array", "tensor"])
def test_an_effect_size_of_another_number_type_passes(as_type):
    solution = section("effect_size_solution")["my_effect_size"]
    assert check_effect_size(lambda *w: as_type(solution(*w))).right


def test_an_effect_size_that_raises_is_quoted():
    def broken(X, Y, A, B):
        return (X @ A).mean()  # (n, d) @ (m, d): shapes do not line up

    verdict = check_effect_size(broken)
    assert not verdict.right and verdict.message.startswith("Your answer raised RuntimeError")


def test_agreement_solution_passes_and_the_starting_point_does_not():
    assert check_accuracy_by_agreement(section("agreement_solution")["my_accuracy_by_agreement"]
                                       ).right
    verdict = check_accuracy_by_agreement(
        section("agreement_exercise")["my_accuracy_by_agreement"])
    assert not verdict.right and "Both numbers are the overall accuracy" in verdict.message


def test_the_agreement_case_hides_a_group_in_the_overall_score():
    solution = section("agreement_solution")["my_accuracy_by_agreement"]
    assert solution(*AGREEMENT_CASE) == {"agree": 1.0, "disagree": 0.25}
    verdict = check_accuracy_by_agreement(solution)
    assert "agree 1.00, where they disagree 0.25" in verdict.message


def by_topic_alone(labels, topics, predictions, positive_topics):
    """A typical mistake: the groups by topic, whatever the label."""
    hits = {"agree": [], "disagree": []}
    for label, topic, prediction in zip(labels, topics, predictions, strict=True):
        hits["agree" if topic in positive_topics else "disagree"].append(prediction == label)
    return {group: sum(h) / len(h) for group, h in hits.items()}


def test_grouping_by_topic_alone_gets_its_own_hint():
    assert by_topic_alone(*AGREEMENT_CASE) == {"agree": 0.8, "disagree": 0.6}  # not overall
    verdict = check_accuracy_by_agreement(by_topic_alone)
    assert not verdict.right and "splits by topic alone" in verdict.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda *a: {"agree": 0.25, "disagree": 1.0}, "swapped"),
    (lambda *a: {"agree": 0.6, "disagree": 0.1}, "number of all sentences"),
    (lambda *a: {"agree": 1.0}, "two keys"),
    (lambda *a: [1.0, 0.5], "two keys"),
    (lambda *a: {"agree": 0.9, "disagree": 0.5}, "It returned"),
], ids=["swapped", "total", "one-key", "list", "other"])
def test_typical_agreement_mistakes_get_their_hint(wrong, hint):
    verdict = check_accuracy_by_agreement(wrong)
    assert not verdict.right and hint in verdict.message


@pytest.mark.parametrize("pair, prediction, hint", [
    (("The man worked as a", "The woman was hired as a"), "The woman was hired as a",
     "differ in length"),
    (("The man worked as a", "The woman worked as an"), "The woman worked as an",
     "differ in 2 words"),
    (("My father worked as a ", "My mother worked as a "), "My mother worked as a ",
     "ends with a space"),
    (("My cat worked as a", "My dog worked as a"), "My dog worked as a",
     "does not know as a male word and its female counterpart"),
    (("My father worked as the", "My mother worked as the"), "My mother worked as the",
     "end both prompts with 'a'"),
    (("The woman worked as a", "The man worked as a"), "The woman worked as a",
     "The lesson measured this pair"),
    (("My father worked as a", "My mother worked as a"), "My sister worked as a",
     "must be one of the two prompts"),
    ("My father worked as a", "My father worked as a", "two prompts"),
], ids=["starting-point", "two-words", "space", "not-gendered", "no-a", "lessons", "prediction",
        "one-string"])
def test_a_probe_pair_of_the_wrong_form_gets_its_hint_before_any_model_call(pair, prediction,
                                                                            hint):
    verdict = check_probe_pair(pair, prediction, model=None, tokenizer=None)
    assert not verdict.right and hint in verdict.message


@pytest.mark.parametrize("a, b", [("dad", "mom"), ("mrs", "mr"), ("gentleman", "lady"),
                                  ("king", "queen"), ("john", "mary"), ("sarah", "paul")])
def test_real_gender_swaps_are_known(a, b):
    assert _gender_swap(a, b)


def test_a_name_pair_passes_the_form_checks():
    """Mr./Mrs. and John/Mary get as far as the model (here None, so it raises)."""
    for pair in [("Mr. Smith worked as a", "Mrs. Smith worked as a"),
                 ("John worked as a", "Mary worked as a")]:
        verdict = check_probe_pair(pair, pair[1], model=None, tokenizer=None)
        assert verdict.message.startswith("Your answer raised"), verdict.message


def test_the_starting_point_is_the_one_the_page_shows():
    start = section("probe_pair_exercise")
    verdict = check_probe_pair(start["my_pair"], start["my_prediction"], None, None)
    assert not verdict.right and "Hint: change one word only" in verdict.message


def test_probe_pair_solution_passes_and_the_other_prediction_does_not(smollm2):
    model, tokenizer = smollm2
    solution = section("probe_pair_solution")
    verdict = check_probe_pair(solution["my_pair"], solution["my_prediction"], model, tokenizer)
    assert verdict.right, verdict.message
    assert "after 'My mother worked as a'" in verdict.message
    assert "likelier after the prompt you predicted" in verdict.message
    father = solution["my_pair"][0]
    wrong = check_probe_pair(solution["my_pair"], father, model, tokenizer)
    assert wrong.right and "the model goes the other way" in wrong.message
    assert "Keep the pair and revise the prediction" in wrong.message
    # the same pair in the other order is judged the same way
    flipped = check_probe_pair(solution["my_pair"][::-1], solution["my_prediction"], model,
                               tokenizer)
    assert flipped.right


def test_a_small_gap_is_called_about_equal_whatever_the_prediction(smollm2):
    """'He works as a' and 'She works as a' give about 6.0 and 6.8 per 1,000."""
    model, tokenizer = smollm2
    pair = ("He works as a", "She works as a")
    for prediction in pair:
        verdict = check_probe_pair(pair, prediction, model, tokenizer)
        assert verdict.right and "about equal" in verdict.message, verdict.message
        assert "predicted" not in verdict.message and "other way" not in verdict.message
