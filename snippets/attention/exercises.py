"""Lesson 10's exercises: a starting point to edit, a checker, and a solution for each."""

# A lesson shows these by their own sections, included before ours.
from snippets.attention.self_attention import future_mask, inputs, normalize_by_sum
from snippets.exercises import Verdict, checker

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, attention/self_attention.py:inputs
# Needs: attention/self_attention.py:future_mask, attention/self_attention.py:normalise
import torch


def _fmt(tensor: torch.Tensor, decimals: int = 4) -> str:
    """A tensor's numbers, each with `decimals` decimals, as nested lists: for a hint."""
    def fmt(value) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(fmt(v) for v in value) + "]"
        return f"{value:.{decimals}f}"
    return fmt(tensor.detach().double().cpu().tolist())


def _not_a_tensor(answer, shape: tuple) -> Verdict | None:
    """A verdict if `answer` is not a tensor of `shape`, else None."""
    if not isinstance(answer, torch.Tensor):
        return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return a tensor.")
    if tuple(answer.shape) != shape:
        return Verdict(False, f"It returned shape {tuple(answer.shape)} where {shape} was "
                              "expected. Hint: check which dimension you reduce or index.")
    return None


def _mix(scores: torch.Tensor, by: torch.Tensor) -> torch.Tensor:
    """Softmax of one query's scores, then the rows of `by` (values, or keys) they weigh."""
    return torch.softmax(scores, dim=0) @ by[: len(scores)]


@checker
def check_attend_mask(my_attend_mask) -> Verdict:
    """Compare the reader's may-attend mask with causal sliding windows of several sizes."""
    for n, window in [(6, 6), (6, 3), (5, 2), (4, 1), (1, 1)]:
        answer = my_attend_mask(n, window)
        ones = torch.ones(n, n, dtype=torch.bool)
        expected = ones.tril().triu(-(window - 1))  # j <= i, and i - j < window
        if (wrong := _not_a_tensor(answer, (n, n))) is not None:
            return wrong
        if answer.dtype != torch.bool:
            return Verdict(False, f"It holds {answer.dtype} values. Hint: "
                                  "F.scaled_dot_product_attention adds a float attn_mask to "
                                  "the scores rather than reading it as may/may not: build "
                                  "the mask with dtype=torch.bool.")
        if torch.equal(answer, expected):
            continue
        if answer.all():
            return Verdict(False, "Every query may attend to every key, the future included. "
                                  "Hint: row i is query i and column j is key j; compare the "
                                  "two positions (torch.arange gives them).")
        if torch.equal(answer, ~expected) or torch.equal(answer, future_mask(n)):
            return Verdict(False, "True and False are the wrong way round: True marks the keys "
                                  "to hide, future_mask's convention. Hint: in "
                                  "F.scaled_dot_product_attention's attn_mask, True means "
                                  "that query i may attend to key j.")
        if torch.equal(answer, ones.tril()):
            return Verdict(False, f"With window={window}, each query still attends to every "
                                  "earlier key: the window is missing. Hint: key j must also "
                                  "be fewer than window positions before query i.")
        if torch.equal(answer, expected & ~torch.eye(n, dtype=torch.bool)):
            return Verdict(False, "The diagonal is False, but a query must attend to itself "
                                  "(the first token would have no key at all). Hint: j <= i, "
                                  "not j < i.")
        if torch.equal(answer, ones.tril().triu(-window)):
            return Verdict(False, f"With window={window}, a row holds {window + 1} keys, one "
                                  "too many. Hint: the window counts the query itself: "
                                  "i - j < window.")
        if torch.equal(answer, expected.T):
            return Verdict(False, "Each query attends to the keys after it instead of before "
                                  "it. Hint: row i is query i; key j may come before it, j <= i.")
        return Verdict(False, f"For num_tokens={n}, window={window} it returned "
                              f"{answer.int().tolist()}. Hint: row i is True at query i itself "
                              "and the window - 1 keys just before it.")
    return Verdict(True, "True at each query and the window - 1 keys before it; with window = "
                         "num_tokens it is the causal mask that is_causal=True applies.")


@checker
def check_softmax(my_softmax) -> Verdict:
    """Compare the reader's softmax with torch.softmax, on scores large enough to overflow."""
    cases = [inputs @ inputs[1],  # the notes' scores for "journey"
             torch.tensor([1.0, -0.5]), torch.tensor([1000.0, 1000.0]),
             torch.tensor([-1000.0, -1001.0]),
             torch.tensor([[1000.0, 999.0, 0.0], [0.0, -1.0, -2.0]])]  # two rows, far apart
    for scores in cases:
        expected = torch.softmax(scores, dim=-1)
        try:
            answer = my_softmax(scores)
        except RuntimeError as error:  # (2, 3) scores minus (2,) maxima do not line up
            if scores.dim() == 2 and "must match the size" in str(error):
                return Verdict(False, f"On the two rows {_fmt(scores, 1)} it raised "
                                      f"RuntimeError ({error}). A maximum or a sum over "
                                      "dim=-1 has shape (2,), which does not line up with the "
                                      "(2, 3) scores. Hint: keepdim=True keeps it (2, 1), one "
                                      "number per row.")
            raise
        if (wrong := _not_a_tensor(answer, tuple(scores.shape))) is not None:
            return wrong
        if not torch.isfinite(answer).all():
            if scores.dim() == 2 and torch.isfinite(answer[0]).all():
                return Verdict(False, f"The rows of {_fmt(scores, 1)} came out as "
                                      f"{_fmt(answer)}: the second row underflowed to 0 / 0. "
                                      "Hint: subtract each row's own maximum "
                                      "(amax(dim=-1, keepdim=True)), not the whole tensor's.")
            return Verdict(False, f"softmax of {_fmt(scores, 1)} came out as {_fmt(answer)}: "
                                  "exp overflows to inf (or underflows to 0), and inf / inf and "
                                  "0 / 0 are nan. Hint: subtract the largest score first; "
                                  "softmax(x - c) = softmax(x), and no exponent is then above 0.")
        if torch.allclose(answer, expected, atol=1e-6):
            continue
        if torch.allclose(answer, normalize_by_sum(scores), atol=1e-6):
            return Verdict(False, f"These are the scores divided by their sum ({_fmt(answer)} "
                                  f"for {_fmt(scores, 2)}). Hint: take exp of the scores first.")
        if scores.dim() == 2 and torch.allclose(answer, torch.softmax(scores, dim=0), atol=1e-6):
            return Verdict(False, "Each column sums to 1, not each row. Hint: take the maximum "
                                  "and the sum over the last dimension, dim=-1.")
        row_sums = answer.sum(dim=-1)
        if not torch.allclose(row_sums, torch.ones_like(row_sums), atol=1e-5):
            return Verdict(False, f"For {_fmt(scores, 1)} the rows sum to {_fmt(row_sums)}, "
                                  "not each to 1. Hint: divide each row by its own sum, "
                                  "sum(dim=-1, keepdim=True).")
        return Verdict(False, f"softmax of {_fmt(scores, 2)} should be {_fmt(expected)}, got "
                              f"{_fmt(answer)}.")
    return Verdict(True, "No overflow: [1000, 1000] gives [0.5, 0.5], and every case matches "
                         "torch.softmax.")


@checker
def check_causal_context(my_causal_context) -> Verdict:
    """Compare the reader's causal context vector with the scaled, masked, softmax-mixed values."""
    generator = torch.Generator().manual_seed(0)
    queries, keys = torch.randn(2, 6, 4, generator=generator)  # d_k = 4
    values = torch.randn(6, 3, generator=generator)  # d_v = 3
    d_k = keys.shape[-1]
    for t in (5, 3, 0, 1, 2, 4):
        answer = my_causal_context(queries, keys, values, t)
        seen = slice(0, t + 1)  # the keys query t may attend to: 0..t
        scores = keys[seen] @ queries[t]  # (t + 1,)
        expected = _mix(scores / d_k**0.5, values)
        if isinstance(answer, torch.Tensor) and answer.shape == (d_k,) and torch.allclose(
                answer, _mix(scores / d_k**0.5, keys), atol=1e-5):
            return Verdict(False, "It mixes the keys. Hint: the keys only score; what a token "
                                  "passes on is its value.")
        if (wrong := _not_a_tensor(answer, tuple(expected.shape))) is not None:
            return wrong
        if torch.allclose(answer, expected, atol=1e-5):
            continue
        all_weights = torch.softmax(keys @ queries[t] / d_k**0.5, dim=0)  # future included
        mistakes = [
            (values[t], "This is token t's own value, not a mix. Hint: score query t against "
                        "the keys it may see, divide by sqrt(d_k), take the softmax, then weigh "
                        "their values."),
            (all_weights @ values, "Token t attends to the tokens after it too. Hint: a causal "
                                   "query sees keys 0..t only."),
            (all_weights[seen] @ values[seen], "The weights of keys 0..t do not sum to 1: the "
                                               "softmax ran over the future keys as well. Hint: "
                                               "hide the future before the softmax, not after."),
            (_mix(scores, values), "The scores are not scaled. Hint: divide them by sqrt(d_k) "
                                   "before the softmax."),
            (_mix(scores / d_k, values), "The scores are divided by d_k. Hint: divide by its "
                                         "square root, d_k ** 0.5."),
            (_mix(queries[seen] @ keys[t] / d_k**0.5, values),
             "Queries and keys are swapped: key t is scored against queries 0..t. Hint: query "
             "t against keys 0..t."),
        ]
        if t > 0:  # keys 0..t-1: the query left out
            mistakes.append((_mix(scores[:-1] / d_k**0.5, values), "Token t does not attend to "
                             "itself. Hint: keys 0..t, t included: keys[: t + 1]."))
        for wrong_answer, message in mistakes:
            if torch.allclose(answer, wrong_answer, atol=1e-5):
                return Verdict(False, message)
        return Verdict(False, f"For t={t} it returned {_fmt(answer)}, where the context vector "
                              f"is {_fmt(expected)}.")
    return Verdict(True, "Query t against keys 0..t, scaled by sqrt(d_k), softmax, then their "
                         "values mixed: row t of causal attention.")
# --8<-- [end:checkers]


# --8<-- [start:attend_mask_exercise]
import torch


def my_attend_mask(num_tokens: int, window: int) -> torch.Tensor:
    """True where query i may see key j: itself and the window - 1 keys before it."""
    return torch.ones(num_tokens, num_tokens, dtype=torch.bool)  # your code here
# --8<-- [end:attend_mask_exercise]


# --8<-- [start:attend_mask_solution]
import torch


def my_attend_mask(num_tokens: int, window: int) -> torch.Tensor:
    """True where query i may see key j: itself and the window - 1 keys before it."""
    i = torch.arange(num_tokens)[:, None]  # query positions, a column
    j = torch.arange(num_tokens)[None, :]  # key positions, a row
    return (j <= i) & (i - j < window)  # not the future, and not too far back
# --8<-- [end:attend_mask_solution]


# --8<-- [start:softmax_exercise]
import torch


def my_softmax(attn_scores: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension that does not overflow for large scores."""
    exp_scores = torch.exp(attn_scores)  # your code here: exp(1000.0) is inf
    return exp_scores / exp_scores.sum(dim=-1, keepdim=True)
# --8<-- [end:softmax_exercise]


# --8<-- [start:softmax_solution]
import torch


def my_softmax(attn_scores: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension that does not overflow for large scores."""
    shifted = attn_scores - attn_scores.amax(dim=-1, keepdim=True)  # softmax(x - c) = softmax(x)
    exp_scores = torch.exp(shifted)  # every exponent <= 0: each exp is at most 1
    return exp_scores / exp_scores.sum(dim=-1, keepdim=True)
# --8<-- [end:softmax_solution]


# --8<-- [start:causal_context_exercise]
import torch


def my_causal_context(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, t: int
) -> torch.Tensor:
    """Token t's context vector in causal attention: query t against keys 0..t."""
    return values[t]  # your code here: scores, scaling, softmax, weighted values
# --8<-- [end:causal_context_exercise]


# --8<-- [start:causal_context_solution]
import torch


def my_causal_context(
    queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, t: int
) -> torch.Tensor:
    """Token t's context vector in causal attention: query t against keys 0..t."""
    d_k = keys.shape[-1]
    attn_scores = keys[: t + 1] @ queries[t]  # (t + 1,): query t against keys 0..t only
    attn_weights = torch.softmax(attn_scores / d_k**0.5, dim=0)  # the future gets no weight
    return attn_weights @ values[: t + 1]  # (d_v,): the values it may see, mixed
# --8<-- [end:causal_context_solution]
