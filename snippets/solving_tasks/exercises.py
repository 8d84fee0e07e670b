"""Lesson 06's exercises: CTC decoding by hand, BPE merges by hand, an answer span by hand."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section
from snippets.solving_tasks.bpe import merge_pair, pair_counts  # shown by their sections

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, solving_tasks/bpe.py:pair_counts
# Needs: solving_tasks/bpe.py:merge_pair
import itertools

import torch

# Frames as CTC reads them, one character per frame: (frames, the blank, transcript).
CTC_CASES = [
    ("hh_e_ll_llo__", "_", "hello"),  # the blank between "ll" and "l" keeps the double l
    ("__cc_aaa_t", "_", "cat"),
    ("bb_oo_o__kk", "_", "book"),
    ("_a_a_a_", "_", "aaa"),
    ("____", "_", ""),
    ("x", "_", "x"),
    ("--hh-ii__-_--", "-", "hi__"),  # another blank: here "_" is a character like any other
]


def _collapse(frames: str, blank: str) -> str:
    """Greedy CTC: one character per run of equal frames, then the blanks dropped."""
    return "".join(char for char, _ in itertools.groupby(frames) if char != blank)


@checker
def check_ctc_collapse(my_ctc_collapse) -> Verdict:
    """Compare the reader's CTC collapse with runs merged, then blanks dropped."""
    for frames, blank, expected in CTC_CASES:
        answer = my_ctc_collapse(frames, blank)
        if not isinstance(answer, str):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return the "
                                  "transcript as a string.")
        if answer == expected:
            continue
        if blank != "_" and answer in {_collapse(frames, "_"), frames.replace("_", "")}:
            return Verdict(False, f"{frames!r} with blank={blank!r} gave {answer!r}: '_' was "
                                  "treated as the blank. Hint: drop the symbol passed as "
                                  "`blank`, whatever it is.")
        if answer == frames.replace(blank, ""):
            return Verdict(False, f"{frames!r} gave {answer!r}: the blanks are gone but every "
                                  "frame of a repeated character is still there. Hint: a run "
                                  "of equal frames is one character; merge each run first.")
        if answer == "".join(char for char, _ in itertools.groupby(frames.replace(blank, ""))):
            return Verdict(False, f"{frames!r} gave {answer!r}: double letters were merged "
                                  "into one. Hint: merge the runs before dropping the blanks: "
                                  "a blank between two runs of a letter keeps them apart.")
        if answer == "".join(char for char, _ in itertools.groupby(frames)):
            return Verdict(False, f"{frames!r} gave {answer!r}: the blanks are still there. "
                                  "Hint: after merging the runs, drop the blank symbol.")
        return Verdict(False, f"{frames!r} gave {answer!r} (blank={blank!r}). Hint: merge "
                              "each run of equal frames into one character, then drop the "
                              "blanks.")
    return Verdict(True, "Runs merged, then blanks dropped: 'hh_e_ll_llo__' reads 'hello'.")


# Words as tuples of symbols, with how often each occurs; BPE learns merges from them.
BPE_CASES = [
    ({("h", "u", "g"): 10, ("p", "u", "g"): 5, ("p", "u", "n"): 12, ("b", "u", "n"): 4,
      ("h", "u", "g", "s"): 5}, 4),  # the course's own example (chapter 6)
    ({("b", "a", "n", "d"): 3, ("a", "n"): 6, ("t", "a", "t", "a"): 7}, 3),
    ({("b", "a", "n", "a", "n", "a"): 6, ("a", "n", "d"): 2, ("t", "a", "t", "a", "t", "a"): 8},
     3),
]


def _bpe(words: dict, num_merges: int, counted=pair_counts, merge=merge_pair,
         recount: bool = True) -> list:
    """num_merges merges: the most frequent pair each time (merge and count as given)."""
    first = counted(words)
    merges = []
    for _ in range(num_merges):
        counts = counted(words) if recount else first
        if recount:
            best = max(counts, key=counts.get)
        else:
            best = [pair for pair, _ in first.most_common() if pair not in merges][0]
        merges.append(best)
        words = merge(words, best)
    return merges


def _merge_first(words: dict, pair: tuple) -> dict:
    """The first occurrence of `pair` in each word merged, the others left apart."""
    merged = {}
    for symbols, count in words.items():
        for i in range(len(symbols) - 1):
            if symbols[i:i + 2] == pair:
                symbols = (*symbols[:i], pair[0] + pair[1], *symbols[i + 2:])
                break
        merged[symbols] = merged.get(symbols, 0) + count
    return merged


def _counted_once(words: dict):
    """Pair counts as if every word occurred once."""
    return pair_counts(dict.fromkeys(words, 1))


@checker
def check_bpe_merges(my_bpe_merges) -> Verdict:
    """Compare the reader's BPE merges with merge-the-most-frequent-pair, counted again."""
    for words, num_merges in BPE_CASES:
        answer = my_bpe_merges(dict(words), num_merges)
        expected = _bpe(words, num_merges)
        shown = {"".join(symbols): count for symbols, count in words.items()}
        if not isinstance(answer, list) or not all(
                isinstance(pair, tuple) and len(pair) == 2 for pair in answer):
            return Verdict(False, f"It returned {answer!r:.80}. Hint: return a list of "
                                  "merges, each a pair of symbols such as ('u', 'g').")
        if answer == expected:
            continue
        if len(answer) != num_merges:
            return Verdict(False, f"For {shown} it returned {len(answer)} merge(s) where "
                                  f"{num_merges} were asked. Hint: repeat: merge the best pair "
                                  "in every word, count the pairs again, take the best again.")
        if answer == _bpe(words, num_merges, recount=False):
            return Verdict(False, f"For {shown} these are the top pairs of the first count. "
                                  "Hint: count the pairs again after each merge: a merged "
                                  "symbol makes new pairs.")
        if answer == _bpe(words, num_merges, counted=_counted_once):
            return Verdict(False, f"For {shown} each word was counted once. Hint: add a "
                                  "word's count to each of its pairs (pair_counts does).")
        if answer == _bpe(words, num_merges, merge=_merge_first):
            return Verdict(False, f"For {shown} only the first occurrence of a pair in a word "
                                  "was merged. Hint: merge every occurrence, left to right.")
        return Verdict(False, f"For {shown} it returned {answer}. Hint: at each step take the "
                              "most frequent pair of pair_counts(words), merge it in every "
                              "word, then count again.")
    return Verdict(True, "Count, merge the most frequent pair everywhere, count again: "
                         "('u', 'g') first on the course's example.")


def _best_span(start_logits: torch.Tensor, end_logits: torch.Tensor,
               max_answer_len: int) -> tuple[int, int]:
    """The (start, end) with start <= end < start + max_answer_len of the highest sum."""
    best, best_score = None, -torch.inf
    for start in range(len(start_logits)):
        for end in range(start, min(start + max_answer_len, len(end_logits))):
            score = start_logits[start] + end_logits[end]
            if score > best_score:
                best, best_score = (start, end), score
    return best


@checker
def check_best_span(my_best_span) -> Verdict:
    """Compare the reader's answer span with every allowed (start, end) pair, tried in turn."""
    generator = torch.Generator().manual_seed(0)
    cases = [(torch.tensor([0.0, 1.0, 5.0, 0.0, 0.0, 0.0]),  # the best end comes first
              torch.tensor([0.0, 6.0, 0.0, 3.0, 0.0, 0.0]), 10),
             (torch.tensor([-1.0, 4.0, -1.0, -1.0, -1.0, -1.0, -1.0, 3.0]),  # too long
              torch.tensor([-1.0, -1.0, -1.0, -1.0, 5.0, -1.0, -1.0, 2.0]), 3),
             (torch.tensor([0.0, 4.0, 0.0, 0.0, 0.0]),  # exactly max_answer_len tokens
              torch.tensor([0.0, 0.0, 0.0, 3.0, 1.0]), 3)]
    cases += [(*torch.randn(2, 12, generator=generator), 4) for _ in range(5)]
    for start_logits, end_logits, max_len in cases:
        answer = my_best_span(start_logits, end_logits, max_len)
        expected = _best_span(start_logits, end_logits, max_len)
        if not (isinstance(answer, tuple) and len(answer) == 2
                and all(isinstance(i, int) for i in answer)):
            return Verdict(False, f"It returned {answer!r:.80}. Hint: return (start, end), "
                                  "two ints (.item() turns a one-number tensor into one).")
        if answer == expected:
            continue
        start, end = answer
        if end < start:
            return Verdict(False, f"It returned {answer}: the answer ends before it starts. "
                                  "Hint: the start and the end are not independent; try every "
                                  "pair with start <= end and keep the best sum of logits.")
        if end - start + 1 > max_len:
            return Verdict(False, f"It returned {answer}, {end - start + 1} tokens long, with "
                                  f"max_answer_len={max_len}. Hint: only pairs with "
                                  "end < start + max_answer_len are allowed.")
        if (start_logits[start] + end_logits[end]) < (start_logits[expected[0]]
                                                       + end_logits[expected[1]]):
            return Verdict(False, f"It returned {answer}, but an allowed span has a higher "
                                  "sum of start and end logits. Hint: try every allowed pair "
                                  "(a span of max_answer_len tokens is allowed) and keep the "
                                  "best.")
        return Verdict(False, f"It returned {answer}. Hint: start <= end < start + "
                              "max_answer_len, and the highest start + end logit.")
    return Verdict(True, "Every pair with start <= end < start + max_answer_len tried, the "
                         "best sum of logits kept: what a question-answering pipeline does.")
# --8<-- [end:checkers]


# --8<-- [start:ctc_exercise]
def my_ctc_collapse(frames: str, blank: str) -> str:
    """Greedy CTC decoding of one best character per frame: the transcript."""
    return frames.replace(blank, "")  # your code here: this only drops the blanks
# --8<-- [end:ctc_exercise]


# --8<-- [start:ctc_solution]
def my_ctc_collapse(frames: str, blank: str) -> str:
    """Greedy CTC decoding of one best character per frame: the transcript."""
    transcript, previous = "", None
    for char in frames:
        if char != previous and char != blank:  # a new run, and not a blank
            transcript += char
        previous = char
    return transcript
# --8<-- [end:ctc_solution]


# --8<-- [start:bpe_exercise]
# Needs: solving_tasks/bpe.py:pair_counts
def my_bpe_merges(words: dict[tuple[str, ...], int], num_merges: int) -> list[tuple[str, str]]:
    """The first `num_merges` merges BPE learns from words (symbols -> count)."""
    merges = []
    counts = pair_counts(words)
    merges.append(max(counts, key=counts.get))  # the most frequent pair: one merge
    # your code here: merge it in every word, count again, repeat
    return merges
# --8<-- [end:bpe_exercise]


# --8<-- [start:bpe_solution]
# Needs: solving_tasks/bpe.py:pair_counts
def my_bpe_merges(words: dict[tuple[str, ...], int], num_merges: int) -> list[tuple[str, str]]:
    """The first `num_merges` merges BPE learns from words (symbols -> count)."""
    merges = []
    for _ in range(num_merges):
        counts = pair_counts(words)  # counted again after every merge
        best = max(counts, key=counts.get)
        merges.append(best)
        merged_words = {}
        for symbols, count in words.items():
            out = []
            for symbol in symbols:  # left to right: join `best` wherever it occurs
                if out and (out[-1], symbol) == best:
                    out[-1] += symbol
                else:
                    out.append(symbol)
            merged_words[tuple(out)] = merged_words.get(tuple(out), 0) + count
        words = merged_words
    return merges
# --8<-- [end:bpe_solution]


# --8<-- [start:span_exercise]
import torch


def my_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor,
                 max_answer_len: int) -> tuple[int, int]:
    """The answer span (start, end) that a question-answering head's logits point to."""
    start = start_logits.argmax().item()  # your code here: the best start alone ...
    end = end_logits.argmax().item()  # ... and the best end alone may not fit together
    return start, end
# --8<-- [end:span_exercise]


# --8<-- [start:span_solution]
import torch


def my_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor,
                 max_answer_len: int) -> tuple[int, int]:
    """The answer span (start, end) that a question-answering head's logits point to."""
    best, best_score = None, -float("inf")
    for start in range(len(start_logits)):  # every start, then every end allowed after it
        for end in range(start, min(start + max_answer_len, len(end_logits))):
            score = (start_logits[start] + end_logits[end]).item()
            if score > best_score:
                best, best_score = (start, end), score
    return best
# --8<-- [end:span_solution]


# --8<-- [start:span_solution_tensors]
import torch


def my_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor,
                 max_answer_len: int) -> tuple[int, int]:
    """The same span with tensors: every pair's sum at once, the pairs not allowed masked."""
    scores = start_logits[:, None] + end_logits[None, :]  # (start, end): every pair's sum
    n = len(start_logits)
    allowed = torch.ones(n, n, dtype=torch.bool).triu().tril(max_answer_len - 1)
    best = scores.masked_fill(~allowed, -torch.inf).argmax().item()
    return best // n, best % n  # back from the flat index to (start, end)
# --8<-- [end:span_solution_tensors]
