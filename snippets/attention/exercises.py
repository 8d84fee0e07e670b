"""Lesson 10's exercises: a starting point to edit, a checker, and a solution for each."""

# A lesson shows these by their own sections, included before ours.
from snippets.attention.self_attention import future_mask, inputs, normalize_by_sum
from snippets.exercises import Verdict, checker

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, attention/self_attention.py:inputs
# Needs: attention/self_attention.py:future_mask, attention/self_attention.py:normalise
import torch


def _short(tensor: torch.Tensor) -> list:
    """A tensor as a list rounded to 4 decimals, for a hint."""
    return torch.round(tensor.detach().float().cpu(), decimals=4).tolist()


def _not_a_tensor(answer, shape: tuple) -> Verdict | None:
    """A verdict if `answer` is not a tensor of `shape`, else None."""
    if not isinstance(answer, torch.Tensor):
        return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return a tensor.")
    if tuple(answer.shape) != shape:
        return Verdict(False, f"It returned shape {tuple(answer.shape)} where {shape} was "
                              "expected. Hint: check which dimension you reduce or index.")
    return None


@checker
def check_future_mask(my_future_mask) -> Verdict:
    """Compare the reader's mask with future_mask for 6, 3, 2 and 1 tokens."""
    for n in (6, 3, 2, 1):
        answer, expected = my_future_mask(n), future_mask(n)
        if (wrong := _not_a_tensor(answer, (n, n))) is not None:
            return wrong
        if answer.dtype != torch.bool:
            return Verdict(False, f"It holds {answer.dtype} values. Hint: masked_fill takes "
                                  "a torch.bool mask (True: hide): build it with dtype=torch.bool.")
        if torch.equal(answer, expected):
            continue
        diagonal = torch.eye(n, dtype=torch.bool)
        if not answer.any():
            return Verdict(False, "Nothing is hidden: every token still sees the tokens after "
                                  "it. Hint: True above the diagonal, where key j comes after "
                                  "query i (torch.triu).")
        if torch.equal(answer, ~expected):
            return Verdict(False, "True and False are the wrong way round: True marks the keys "
                                  "a query may see (the convention of F.scaled_dot_product_"
                                  "attention's attn_mask). Hint: here True marks what to hide.")
        if torch.equal(answer, expected | diagonal):
            return Verdict(False, "The diagonal is hidden too, but a token must see itself. "
                                  "Hint: torch.triu(..., diagonal=1) starts one above it.")
        if torch.equal(answer, expected.T):
            return Verdict(False, "It hides the past instead of the future. Hint: row i is "
                                  "query i; hide its columns j > i, above the diagonal.")
        return Verdict(False, f"For {n} tokens it returned {answer.int().tolist()}. Hint: row "
                              "i is True exactly at the columns j > i.")
    return Verdict(True, "True exactly above the diagonal: each token sees itself and the "
                         "tokens before it.")


@checker
def check_softmax(my_softmax) -> Verdict:
    """Compare the reader's softmax with torch.softmax, on scores large enough to overflow."""
    cases = [inputs @ inputs[1],  # the notes' scores for "journey"
             torch.tensor([1.0, -0.5]), torch.tensor([1000.0, 1000.0]),
             torch.tensor([-1000.0, -1001.0]),
             torch.tensor([[1000.0, 999.0, 0.0], [0.0, -1.0, -2.0]])]  # two rows, far apart
    for scores in cases:
        answer, expected = my_softmax(scores), torch.softmax(scores, dim=-1)
        if (wrong := _not_a_tensor(answer, tuple(scores.shape))) is not None:
            return wrong
        if not torch.isfinite(answer).all():
            if scores.dim() == 2 and torch.isfinite(answer[0]).all():
                return Verdict(False, f"The rows of {_short(scores)} came out as "
                                      f"{_short(answer)}: the second row underflowed to 0 / 0. "
                                      "Hint: subtract each row's own maximum "
                                      "(amax(dim=-1, keepdim=True)), not the whole tensor's.")
            return Verdict(False, f"softmax of {_short(scores)} came out as {_short(answer)}: "
                                  "exp overflows to inf (or underflows to 0), and inf / inf and "
                                  "0 / 0 are nan. Hint: subtract the largest score first; "
                                  "softmax(x - c) = softmax(x), and no exponent is then above 0.")
        if torch.allclose(answer, expected, atol=1e-6):
            continue
        if torch.allclose(answer, normalize_by_sum(scores), atol=1e-6):
            return Verdict(False, f"These are the scores divided by their sum ({_short(answer)} "
                                  f"for {_short(scores)}). Hint: take exp of the scores first.")
        if scores.dim() == 2 and torch.allclose(answer, torch.softmax(scores, dim=0), atol=1e-6):
            return Verdict(False, "Each column sums to 1, not each row. Hint: take the maximum "
                                  "and the sum over the last dimension, dim=-1.")
        return Verdict(False, f"softmax of {_short(scores)} should be {_short(expected)}, got "
                              f"{_short(answer)}.")
    return Verdict(True, "No overflow: [1000, 1000] gives [0.5, 0.5], and every case matches "
                         "torch.softmax.")


@checker
def check_context_vector(my_context_vector) -> Verdict:
    """Compare the reader's context vector with the softmax-weighted sum, for every token."""
    random_inputs = torch.rand(4, 5, generator=torch.Generator().manual_seed(0))
    cases = [(inputs, i) for i in range(len(inputs))] + [(random_inputs, 2)]
    for x, i in cases:
        answer = my_context_vector(x, i)
        attn_scores = x @ x[i]  # (num_tokens,)
        expected = torch.softmax(attn_scores, dim=0) @ x  # (d_in,)
        if isinstance(answer, torch.Tensor) and answer.shape == attn_scores.shape:
            return Verdict(False, "It returns one number per token: scores or weights. Hint: "
                                  "the context vector is the weighted sum of the input vectors, "
                                  "attn_weights @ inputs, one number per dimension.")
        if (wrong := _not_a_tensor(answer, tuple(expected.shape))) is not None:
            return wrong
        if torch.allclose(answer, expected, atol=1e-5):
            continue
        mistakes = [
            (x[i], "This is the query's own vector, not a mix of all of them. Hint: score "
                   "every token against it (inputs @ query), softmax, then weigh the inputs."),
            (attn_scores @ x, "The inputs are weighted by the raw scores. Hint: "
                              "torch.softmax(scores, dim=0) first: positive weights that sum "
                              "to 1."),
            (normalize_by_sum(attn_scores) @ x, "The weights are the scores divided by their "
                                                "sum. Hint: use torch.softmax."),
            (torch.softmax(attn_scores / x.shape[-1] ** 0.5, dim=0) @ x,
             "The scores are divided by sqrt(d): a trained layer scales its query-key scores, "
             "but this simple self-attention does not. Hint: softmax(inputs @ query) directly."),
            (x.mean(dim=0), "This is a plain average: every token weighs the same. Hint: "
                            "weigh each input by the softmax of its score."),
        ]
        for wrong_answer, message in mistakes:
            if torch.allclose(answer, wrong_answer, atol=1e-5):
                return Verdict(False, message)
        return Verdict(False, f"For token {i} of {tuple(x.shape)} inputs it returned "
                              f"{_short(answer)}, where the context vector is "
                              f"{_short(expected)}.")
    return Verdict(True, "The softmax-weighted sum of all the inputs, for every token, as "
                         "simple_self_attention computes it.")
# --8<-- [end:checkers]


# --8<-- [start:future_mask_exercise]
import torch


def my_future_mask(num_tokens: int) -> torch.Tensor:
    """True where query i must not see key j: the keys after it."""
    return torch.zeros(num_tokens, num_tokens, dtype=torch.bool)  # your code here
# --8<-- [end:future_mask_exercise]


# --8<-- [start:future_mask_solution]
import torch


def my_future_mask(num_tokens: int) -> torch.Tensor:
    """True where query i must not see key j: the keys after it."""
    ones = torch.ones(num_tokens, num_tokens, dtype=torch.bool)
    return torch.triu(ones, diagonal=1)  # above the diagonal: key j > query i
# --8<-- [end:future_mask_solution]


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


# --8<-- [start:context_vector_exercise]
import torch


def my_context_vector(inputs: torch.Tensor, query_index: int) -> torch.Tensor:
    """Context vector of one token: softmax of its dot products, then the weighted sum."""
    query = inputs[query_index]
    return query  # your code here: scores, weights, then the weighted sum of the inputs
# --8<-- [end:context_vector_exercise]


# --8<-- [start:context_vector_solution]
import torch


def my_context_vector(inputs: torch.Tensor, query_index: int) -> torch.Tensor:
    """Context vector of one token: softmax of its dot products, then the weighted sum."""
    query = inputs[query_index]
    attn_scores = inputs @ query  # (num_tokens,): one dot product per token
    attn_weights = torch.softmax(attn_scores, dim=0)  # positive, summing to 1
    return attn_weights @ inputs  # (d_in,): the inputs mixed by their weights
# --8<-- [end:context_vector_solution]
