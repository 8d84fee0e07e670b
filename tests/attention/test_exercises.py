import re
from pathlib import Path

import pytest
import torch

from snippets.attention import exercises
from snippets.attention.exercises import (
    check_context_vector,
    check_future_mask,
    check_softmax,
)
from snippets.attention.self_attention import (
    future_mask,
    inputs,
    normalize_by_sum,
    simple_self_attention,
    softmax_naive,
)

SOURCE = Path(exercises.__file__).read_text()


def section(name: str) -> dict:
    """What a section of snippets/attention/exercises.py defines, run on its own."""
    code = re.search(rf"^# --8<-- \[start:{name}\]\n(.*?)^# --8<-- \[end:{name}\]", SOURCE,
                     re.M | re.S)[1]
    namespace = {}
    exec(compile(code, name, "exec"), namespace)
    return namespace


# (checker, the function's name, the section of the starting point, of the solution)
EXERCISES = [
    (check_future_mask, "my_future_mask", "future_mask_exercise", "future_mask_solution"),
    (check_softmax, "my_softmax", "softmax_exercise", "softmax_solution"),
    (check_context_vector, "my_context_vector", "context_vector_exercise",
     "context_vector_solution"),
]


@pytest.mark.parametrize(("check", "name", "_", "solution"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_every_solution_passes_its_checker(check, name, _, solution):
    verdict = check(section(solution)[name])
    assert verdict.right is True and repr(verdict).startswith("Right.")


@pytest.mark.parametrize(("check", "name", "starting_point", "_"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_the_unedited_starting_point_fails(check, name, starting_point, _):
    verdict = check(section(starting_point)[name])
    assert verdict.right is False and repr(verdict).startswith("Not yet.")
    assert "Hint:" in verdict.message


def test_the_solutions_equal_the_lessons_own_functions():
    mask = section("future_mask_solution")["my_future_mask"]
    softmax = section("softmax_solution")["my_softmax"]
    context_vector = section("context_vector_solution")["my_context_vector"]
    for n in (1, 4, 7):
        assert torch.equal(mask(n), future_mask(n))
    scores = torch.tensor([[1000.0, 1000.0], [3.0, -1.0]])
    torch.testing.assert_close(softmax(scores), torch.softmax(scores, dim=-1))
    _, context_vecs = simple_self_attention(inputs)
    for i in range(6):
        torch.testing.assert_close(context_vector(inputs, i), context_vecs[i])


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda n: torch.zeros(n, n, dtype=torch.bool), "Nothing is hidden"),
    (lambda n: ~future_mask(n), "True and False are the wrong way round"),
    (lambda n: torch.ones(n, n, dtype=torch.bool).tril(), "True and False are the wrong way"),
    (lambda n: torch.ones(n, n, dtype=torch.bool).triu(), "The diagonal is hidden too"),
    (lambda n: torch.ones(n, n, dtype=torch.bool).tril(diagonal=-1), "hides the past"),
    (lambda n: torch.ones(n, n).triu(diagonal=1), "holds torch.float32 values"),
    (lambda n: torch.ones(n, dtype=torch.bool), "returned shape"),
    (lambda n: [[False] * n] * n, "It returned a list"),
    (lambda n: future_mask(n) if n > 2 else torch.ones(n, n, dtype=torch.bool), "returned [[1"),
])
def test_a_wrong_future_mask_gets_its_hint(wrong, hint):
    verdict = check_future_mask(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


def subtract_the_global_max(scores):
    shifted = scores - scores.max()
    return torch.exp(shifted) / torch.exp(shifted).sum(dim=-1, keepdim=True)


def subtract_the_min(scores):
    shifted = scores - scores.amin(dim=-1, keepdim=True)
    return torch.exp(shifted) / torch.exp(shifted).sum(dim=-1, keepdim=True)


def over_columns(scores):
    shifted = scores - scores.amax(dim=0, keepdim=True)
    return torch.exp(shifted) / torch.exp(shifted).sum(dim=0, keepdim=True)


@pytest.mark.parametrize(("wrong", "hint"), [
    (softmax_naive, "subtract the largest score first"),
    (subtract_the_min, "exp overflows to inf"),
    (subtract_the_global_max, "subtract each row's own maximum"),
    (normalize_by_sum, "the scores divided by their sum"),
    (over_columns, "Each column sums to 1"),
    (lambda scores: scores.sum(dim=-1), "returned shape"),
    (lambda scores: 1 / 0, "Your answer raised ZeroDivisionError"),
])
def test_a_wrong_softmax_gets_its_hint(wrong, hint):
    verdict = check_softmax(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda x, i: x[i], "the query's own vector"),
    (lambda x, i: x @ x[i], "one number per token"),
    (lambda x, i: torch.softmax(x @ x[i], dim=0), "one number per token"),
    (lambda x, i: (x @ x[i]) @ x, "weighted by the raw scores"),
    (lambda x, i: normalize_by_sum(x @ x[i]) @ x, "divided by their sum"),
    (lambda x, i: torch.softmax(x @ x[i] / x.shape[-1] ** 0.5, dim=0) @ x, "divided by sqrt(d)"),
    (lambda x, i: x.mean(dim=0), "a plain average"),
    (lambda x, i: torch.softmax(x @ x[1], dim=0) @ x, "For token 0"),  # always journey's
])
def test_a_wrong_context_vector_gets_its_hint(wrong, hint):
    verdict = check_context_vector(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message
