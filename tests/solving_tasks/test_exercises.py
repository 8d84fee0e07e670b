import itertools
from functools import partial

import pytest
import torch
from exercise_sections import run_section

from snippets.solving_tasks.bpe import merge_pair, pair_counts
from snippets.solving_tasks.ctc import ctc_greedy_decode
from snippets.solving_tasks.exercises import (
    BPE_CASES,
    CTC_CASES,
    check_best_span,
    check_bpe_merges,
    check_ctc_collapse,
)

# the names a section defines, run alone after what its Needs: line names
section = partial(run_section, "solving_tasks", pair_counts=pair_counts)


# (checker, the function's name, the section of the starting point, of the solution)
EXERCISES = [
    (check_ctc_collapse, "my_ctc_collapse", "ctc_exercise", "ctc_solution"),
    (check_bpe_merges, "my_bpe_merges", "bpe_exercise", "bpe_solution"),
    (check_best_span, "my_best_span", "span_exercise", "span_solution"),
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


# What the page shows under each unedited starting point: the method, not the answer.
STARTING_POINT_SAYS = {
    "my_ctc_collapse": ("merge each run first", ["'hello'", "groupby"]),
    "my_bpe_merges": ("count the pairs again", ["('u', 'g')", "('h', 'ug')", "('u', 'n')"]),
    "my_best_span": ("try every pair with start <= end", ["(2, 3)", "triu", "tril"]),
}


@pytest.mark.parametrize(("check", "name", "starting_point", "_"), EXERCISES,
                         ids=[e[1] for e in EXERCISES])
def test_the_starting_points_hint_names_the_method_not_the_answer(check, name, starting_point,
                                                                  _):
    message = check(section(starting_point)[name]).message
    method, giveaways = STARTING_POINT_SAYS[name]
    assert method in message, message
    for giveaway in giveaways:
        assert giveaway not in message, message


# --- 1. CTC ---------------------------------------------------------------------------------

def test_the_ctc_cases_agree_with_the_lessons_greedy_decoding():
    """Each checker case, as one-hot frames, decodes to its transcript with ctc_greedy_decode."""
    assert {blank for _, blank, _ in CTC_CASES} == {"_", "-"}  # a blank other than "_" too
    for frames, blank, transcript in CTC_CASES:
        symbols = sorted(set(frames) | {blank})
        ids = torch.tensor([symbols.index(char) for char in frames])
        logits = torch.nn.functional.one_hot(ids, len(symbols)).float()
        decoded = ctc_greedy_decode(logits, blank_id=symbols.index(blank))
        assert "".join(symbols[i] for i in decoded) == transcript


def merge_runs(frames, blank):
    return "".join(char for char, _ in itertools.groupby(frames))


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda frames, blank: frames.replace(blank, ""), "merge each run first"),
    (lambda frames, blank: merge_runs(frames.replace(blank, ""), blank),
     "merge the runs before dropping the blanks"),
    (lambda frames, blank: "".join(dict.fromkeys(frames.replace(blank, ""))),
     "merge the runs before dropping the blanks"),
    (merge_runs, "the blanks are still there"),
    (lambda frames, blank: list(frames), "It returned a list"),
    (lambda frames, blank: frames[::-1], "'hh_e_ll_llo__' gave '__oll_ll_e_hh'"),
    (lambda frames, blank: 1 / 0, "Your answer raised ZeroDivisionError"),
    (lambda frames, blank: section("ctc_solution")["my_ctc_collapse"](frames, "_"),
     "drop the symbol passed as `blank`"),
])
def test_a_wrong_ctc_collapse_gets_its_hint(wrong, hint):
    verdict = check_ctc_collapse(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


# --- 2. BPE ---------------------------------------------------------------------------------

def test_the_bpe_cases_have_no_ties_so_that_one_answer_is_right():
    for words, num_merges in BPE_CASES:
        for _ in range(num_merges):
            counts = pair_counts(words).most_common()
            assert len(counts) < 2 or counts[0][1] > counts[1][1], (words, counts[:3])
            words = merge_pair(words, counts[0][0])


def test_the_bpe_checker_agrees_with_the_lessons_merge_pair():
    """The checker's expected merges are those of bpe.py's pair_counts and merge_pair."""
    solution = section("bpe_solution")["my_bpe_merges"]
    words = {("h", "u", "g"): 10, ("p", "u", "g"): 5, ("p", "u", "n"): 12, ("b", "u", "n"): 4,
             ("h", "u", "g", "s"): 5}
    assert solution(words, 4) == [("u", "g"), ("u", "n"), ("h", "ug"), ("p", "un")]
    for words, num_merges in BPE_CASES:
        merges, current = [], words
        for _ in range(num_merges):
            best = pair_counts(current).most_common(1)[0][0]
            merges.append(best)
            current = merge_pair(current, best)
        assert solution(words, num_merges) == merges
    assert solution({("a", "a", "a", "a", "a"): 1}, 2) == [("a", "a"), ("aa", "aa")]


def merges_with(count, merge, recount=True):
    """A reader's BPE gone wrong in one way: how it counts, merges, or when it counts."""
    def my_bpe_merges(words, num_merges):
        merges, first = [], count(words)
        for _ in range(num_merges):
            counts = count(words) if recount else first
            best = max((pair for pair in counts if pair not in merges), key=counts.get)
            merges.append(best)
            words = merge(words, best)
        return merges
    return my_bpe_merges


def merge_first_only(words, pair):
    merged = {}
    for symbols, count in words.items():
        i = next((i for i in range(len(symbols) - 1) if symbols[i:i + 2] == pair), None)
        if i is not None:
            symbols = (*symbols[:i], pair[0] + pair[1], *symbols[i + 2:])
        merged[symbols] = merged.get(symbols, 0) + count
    return merged


@pytest.mark.parametrize(("wrong", "hint"), [
    (merges_with(pair_counts, merge_pair, recount=False), "count the pairs again"),
    (merges_with(lambda words: pair_counts(dict.fromkeys(words, 1)), merge_pair),
     "each word was counted once"),
    (merges_with(pair_counts, merge_first_only), "only the first occurrence"),
    (lambda words, n: [], "0 merge(s) where 4 were asked"),
    (lambda words, n: ["ug"] * n, "Hint: return a list of merges"),
    (lambda words, n: [("u", "g")] * n, "Hint: at each step take the most frequent pair"),
])
def test_a_wrong_bpe_gets_its_hint(wrong, hint):
    verdict = check_bpe_merges(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


# --- 3. The answer span ------------------------------------------------------------------

def span_by(max_len_offset=0, independent=False, strict=False):
    """A reader's best span gone wrong: argmax each alone, or a wrong length limit."""
    def my_best_span(start_logits, end_logits, max_answer_len):
        if independent:
            return start_logits.argmax().item(), end_logits.argmax().item()
        best, best_score = None, -float("inf")
        limit = max_answer_len + max_len_offset - (1 if strict else 0)
        for s in range(len(start_logits)):
            for e in range(s, min(s + limit, len(end_logits))):
                if start_logits[s] + end_logits[e] > best_score:
                    best, best_score = (s, e), start_logits[s] + end_logits[e]
        return best
    return my_best_span


@pytest.mark.parametrize("name", ["span_solution", "span_solution_tensors"])
def test_the_span_solutions_equal_a_loop_over_every_allowed_pair(name):
    solution = section(name)["my_best_span"]
    assert check_best_span(solution).right is True
    generator = torch.Generator().manual_seed(1)
    for n, max_len in [(1, 1), (5, 1), (9, 3), (20, 20), (30, 7)]:
        for _ in range(20):
            start, end = torch.randn(2, n, generator=generator)
            assert solution(start, end, max_len) == span_by()(start, end, max_len)


@pytest.mark.parametrize(("wrong", "hint"), [
    (span_by(independent=True), "the answer ends before it starts"),
    (span_by(max_len_offset=1), "with max_answer_len=3"),
    (span_by(max_len_offset=100), "only pairs with end < start + max_answer_len"),
    (span_by(strict=True), "a span of max_answer_len tokens is allowed"),
    (lambda s, e, n: (torch.tensor(0), torch.tensor(1)), "two ints"),
    (lambda s, e, n: [0, 0], "return (start, end)"),
    (lambda s, e, n: (0, 0), "It returned (0, 0)"),
])
def test_a_wrong_span_gets_its_hint(wrong, hint):
    verdict = check_best_span(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message
