import re
from functools import partial

import pytest
import torch
import torch.nn.functional as F
from exercise_sections import run_section

from snippets.attention.exercises import (
    check_attend_mask,
    check_causal_context,
    check_softmax,
)
from snippets.attention.self_attention import (
    future_mask,
    normalize_by_sum,
    scaled_dot_product_attention,
    softmax_naive,
)

section = partial(run_section, "attention")  # the names a section defines, run alone


# (checker, the function's name, the section of the starting point, of the solution)
EXERCISES = [
    (check_attend_mask, "my_attend_mask", "attend_mask_exercise", "attend_mask_solution"),
    (check_softmax, "my_softmax", "softmax_exercise", "softmax_solution"),
    (check_causal_context, "my_causal_context", "causal_context_exercise",
     "causal_context_solution"),
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


# What the page shows under each unedited starting point: a hint about the method, not the
# answer's code or numbers.
STARTING_POINT_GIVES_AWAY = {
    "my_attend_mask": ["tril", "triu", "j <= i", "i - j"],
    "my_softmax": ["amax", ".max", "keepdim"],
    "my_causal_context": ["keys[:", "softmax(", "@", "[0.", "[-"],
}


@pytest.mark.parametrize(("check", "name", "starting_point", "_"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_the_starting_points_hint_names_the_method_not_the_answer(check, name, starting_point,
                                                                  _):
    message = check(section(starting_point)[name]).message
    for giveaway in STARTING_POINT_GIVES_AWAY[name]:
        assert giveaway not in message, message


def test_the_solutions_equal_the_lessons_own_functions():
    attend_mask = section("attend_mask_solution")["my_attend_mask"]
    softmax = section("softmax_solution")["my_softmax"]
    causal_context = section("causal_context_solution")["my_causal_context"]
    for n in (1, 4, 7):
        assert torch.equal(attend_mask(n, n), ~future_mask(n))  # the whole past: causal
        assert attend_mask(n, 1).equal(torch.eye(n, dtype=torch.bool))  # only itself
    # F.scaled_dot_product_attention reads it as the lesson says: True, may attend
    q, k, v = torch.randn(3, 6, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v, attn_mask=attend_mask(6, 6)),
                               F.scaled_dot_product_attention(q, k, v, is_causal=True))
    scores = torch.tensor([[1000.0, 1000.0], [3.0, -1.0]])
    torch.testing.assert_close(softmax(scores), torch.softmax(scores, dim=-1))
    causal, _ = scaled_dot_product_attention(q, k, v, hide=future_mask(6))
    for t in range(6):
        torch.testing.assert_close(causal_context(q, k, v, t), causal[t])


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda n, w: torch.ones(n, n, dtype=torch.bool), "Every query may attend to every key"),
    (lambda n, w: future_mask(n), "True and False are the wrong way round"),
    (lambda n, w: ~torch.ones(n, n, dtype=torch.bool).tril().triu(-(w - 1)), "wrong way round"),
    (lambda n, w: torch.ones(n, n, dtype=torch.bool).tril(), "the window is missing"),
    (lambda n, w: torch.ones(n, n, dtype=torch.bool).tril(-1).triu(-(w - 1)),
     "a query must attend to itself"),
    (lambda n, w: torch.ones(n, n, dtype=torch.bool).tril().triu(-w), "one too many"),
    (lambda n, w: torch.ones(n, n, dtype=torch.bool).triu().tril(w - 1), "keys after it"),
    (lambda n, w: torch.ones(n, n).tril().triu(-(w - 1)), "holds torch.float32 values"),
    (lambda n, w: torch.ones(n, dtype=torch.bool), "returned shape"),
    (lambda n, w: [[True] * n] * n, "It returned a list"),
    (lambda n, w: torch.eye(n, dtype=torch.bool), "For num_tokens=6, window=6 it returned [[1"),
])
def test_a_wrong_attend_mask_gets_its_hint(wrong, hint):
    verdict = check_attend_mask(wrong)
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


def without_keepdim(scores):
    shifted = scores - scores.amax(dim=-1)
    return torch.exp(shifted) / torch.exp(shifted).sum(dim=-1, keepdim=True)


def over_the_whole_tensor(scores):
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    return torch.exp(shifted) / torch.exp(shifted).sum()


@pytest.mark.parametrize(("wrong", "hint"), [
    (softmax_naive, "subtract the largest score first"),
    (without_keepdim, "Hint: keepdim=True keeps it (2, 1)"),
    (over_the_whole_tensor, "the rows sum to [0.4764, 0.5236], not each to 1"),
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


def causal(scale, mix_keys=False, future=False, softmax_over_all=False, swap=False,
           without_self=False):
    """A causal context vector gone wrong in one of the ways a reader may get it wrong."""
    def answer(queries, keys, values, t):
        seen = slice(0, t if without_self else t + 1) if not future else slice(None)
        scores = (queries[seen] @ keys[t]) if swap else (keys[seen] @ queries[t])
        if softmax_over_all:
            weights = torch.softmax(keys @ queries[t] / scale(keys), dim=0)[: t + 1]
        else:
            weights = torch.softmax(scores / scale(keys), dim=0)
        return weights @ (keys if mix_keys else values)[seen]
    return answer


def sqrt_d_k(keys):
    return keys.shape[-1] ** 0.5


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda q, k, v, t: v[t], "token t's own value"),
    (causal(sqrt_d_k, future=True), "attends to the tokens after it too"),
    (causal(sqrt_d_k, softmax_over_all=True), "do not sum to 1"),
    (causal(lambda k: 1.0), "not scaled"),
    (causal(lambda k: k.shape[-1]), "divided by d_k"),
    (causal(sqrt_d_k, swap=True), "Queries and keys are swapped"),
    (causal(sqrt_d_k, without_self=True), "does not attend to itself"),
    (causal(sqrt_d_k, mix_keys=True), "It mixes the keys"),
    (lambda q, k, v, t: k @ q[t], "returned shape (6,)"),
    (lambda q, k, v, t: causal(sqrt_d_k)(q, k, v, 5),  # always token 5's
     "For t=3 it returned [0.0766, 0.3848, 0.6911]"),
])
def test_a_wrong_causal_context_gets_its_hint(wrong, hint):
    verdict = check_causal_context(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


def test_every_number_in_a_hint_has_a_fixed_number_of_decimals():
    messages = [check_softmax(normalize_by_sum).message, check_softmax(softmax_naive).message,
                check_softmax(over_the_whole_tensor).message,
                check_causal_context(lambda q, k, v, t: -v[0]).message]
    for message in messages:
        numbers = re.findall(r"-?\d+\.\d+", message)
        assert numbers, message
        assert all(len(n.split(".")[1]) in (1, 2, 4) for n in numbers), message
        assert not re.search(r"\d\.\d{5,}", message), message  # no float noise
