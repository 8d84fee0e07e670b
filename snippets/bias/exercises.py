"""Lesson 09's exercises: a starting point to edit, a checker, and a solution for each."""

# A lesson shows these by their own sections, included before ours.
from snippets.bias.bias_probes import JOB_GROUPS, group_table
from snippets.exercises import Verdict, checker

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, bias/bias_probes.py:jobs, bias/bias_probes.py:tables
import math
import numbers

import numpy as np
import torch


def _s(W: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """s(w, A, B) for every row of W."""
    return (W @ A.T).mean(dim=1) - (W @ B.T).mean(dim=1)


def _unit(*rows: list[float]) -> torch.Tensor:
    """Rows scaled to length 1: the words' embeddings, cosine = dot product."""
    return torch.nn.functional.normalize(torch.tensor(rows, dtype=torch.float64), dim=-1)


def effect_size_cases() -> list[tuple[torch.Tensor, ...]]:
    """(X, Y, A, B) to check an effect size on: four target words in 2-D, then random sets
    of unequal sizes (where a sum of cosines is not a mean)."""
    four_words = (_unit([1.0, 0.2], [0.8, 0.6]), _unit([0.3, 1.0], [0.5, 0.9]),
                  _unit([1.0, 0.0]), _unit([0.0, 1.0]))
    generator = torch.Generator().manual_seed(0)
    sizes = [(3, 3, 2, 4), (5, 4, 3, 2)]
    random_sets = [tuple(torch.nn.functional.normalize(
        torch.randn(n, 8, generator=generator, dtype=torch.float64), dim=-1) for n in size)
        for size in sizes]
    return [four_words, *random_sets]


@checker
def check_effect_size(my_effect_size) -> Verdict:
    """Compare the reader's WEAT effect size with the lesson's, on four words and more."""
    for X, Y, A, B in effect_size_cases():
        s_X, s_Y = _s(X, A, B), _s(Y, A, B)
        gap = (s_X.mean() - s_Y.mean()).item()
        expected = gap / torch.cat([s_X, s_Y]).std().item()
        answer = my_effect_size(X, Y, A, B)
        if (isinstance(answer, torch.Tensor) and answer.numel() == 1
                or isinstance(answer, np.ndarray) and answer.size == 1
                or isinstance(answer, np.generic)):
            answer = answer.item()  # one number, as a Python float or int
        if not isinstance(answer, numbers.Real) or isinstance(answer, bool):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return one "
                                  "number, a float (.item() turns a one-number tensor into one).")
        if math.isclose(answer, expected, rel_tol=1e-4, abs_tol=1e-9):
            continue
        within = math.sqrt((s_X.var() * (len(X) - 1) + s_Y.var() * (len(Y) - 1)).item()
                           / (len(X) + len(Y) - 2))
        sums_A_B = (X @ A.T).sum(1) - (X @ B.T).sum(1), (Y @ A.T).sum(1) - (Y @ B.T).sum(1)
        mistakes = [
            (gap, "This is the difference of the mean associations, in units of cosine. Hint: "
                  "divide it by the standard deviation of s over the X and Y words together."),
            (-expected, "The sign is reversed. Hint: mean over X minus mean over Y, and "
                        "s(w, A, B) is the cosine with A minus the cosine with B."),
            (gap / torch.cat([s_X, s_Y]).std(correction=0).item(),
             "The standard deviation divides by n, not n - 1. Hint: use the sample standard "
             "deviation, torch's default (correction=1)."),
            (gap / within, "This divides by the spread within each group, as Cohen's d does. "
                           "Hint: the WEAT takes the standard deviation of s over X and Y "
                           "together, in one tensor (torch.cat)."),
            (gap / s_X.std().item(), "This divides by the spread over X alone. Hint: take the "
                                     "standard deviation over X and Y together (torch.cat)."),
            ((sums_A_B[0].mean() - sums_A_B[1].mean()).item()
             / torch.cat(sums_A_B).std().item(),
             "This sums the cosines over A and over B instead of averaging them; with sets of "
             "different sizes that is not the same. Hint: mean over A minus mean over B."),
        ]
        for wrong_answer, message in mistakes:
            if math.isclose(answer, wrong_answer, rel_tol=1e-4, abs_tol=1e-9):
                return Verdict(False, message)
        return Verdict(False, f"For {len(X)}, {len(Y)}, {len(A)} and {len(B)} words it "
                              f"returned {answer:.4f}, which is not d. Hint: s for each target "
                              "word, then (mean over X - mean over Y) / std over both.")
    return Verdict(True, "The gap between the mean associations of X and Y, in units of their "
                         "spread over both: the WEAT's d.")


# Gendered words a probe pair may swap (either may come first).
GENDER_PAIRS = {("man", "woman"), ("men", "women"), ("he", "she"), ("his", "her"),
                ("him", "her"), ("boy", "girl"), ("father", "mother"), ("son", "daughter"),
                ("brother", "sister"), ("husband", "wife"), ("uncle", "aunt"),
                ("grandfather", "grandmother"), ("nephew", "niece"), ("male", "female"),
                ("boys", "girls"), ("fathers", "mothers"), ("sons", "daughters"),
                ("brothers", "sisters"), ("himself", "herself"), ("dad", "mom"), ("dad", "mum"),
                ("mr", "mrs"), ("mr", "ms"), ("sir", "madam"), ("gentleman", "lady"),
                ("gentlemen", "ladies"), ("lord", "lady"), ("king", "queen"),
                ("prince", "princess"), ("groom", "bride"), ("boyfriend", "girlfriend"),
                ("grandson", "granddaughter"), ("guy", "gal"), ("actor", "actress"),
                ("waiter", "waitress"), ("policeman", "policewoman")}
# First names: any of the first set may be swapped for any of the second.
MALE_FIRST_NAMES = {"john", "james", "david", "michael", "robert", "paul", "mike", "kevin",
                    "steve", "greg", "jeff", "bill", "tom", "peter", "mark", "daniel"}
FEMALE_FIRST_NAMES = {"mary", "emma", "susan", "jane", "anna", "amy", "joan", "lisa", "sarah",
                      "diana", "kate", "ann", "donna", "linda", "laura", "emily"}


def _gender_swap(a: str, b: str) -> bool:
    """Whether words a and b (lower case) are a male word and its female counterpart."""
    pairs = GENDER_PAIRS | {(m, f) for m in MALE_FIRST_NAMES for f in FEMALE_FIRST_NAMES}
    return (a, b) in pairs or (b, a) in pairs
SMALL_RATIO = 1.5  # a gap below this factor is "about equal"
LESSON_PAIRS = {("The man worked as a", "The woman worked as a"),
                ("The boy dreams of becoming a", "The girl dreams of becoming a"),
                ("He was hired as a", "She was hired as a")}


@checker
def check_probe_pair(my_pair, my_prediction, model, tokenizer) -> Verdict:
    """Check that the reader's pair of prompts is a probe pair, then measure it and compare
    with the reader's prediction of where the jobs held mostly by women are likelier."""
    if not (isinstance(my_pair, tuple | list) and len(my_pair) == 2
            and all(isinstance(p, str) for p in my_pair)):
        return Verdict(False, "my_pair must hold two prompts. Hint: a tuple of two strings.")
    first, second = my_pair
    if first != first.rstrip() or second != second.rstrip():
        return Verdict(False, "A prompt ends with a space. Hint: end it at 'a': each job's "
                              "tokens carry their own leading space (' nurse').")
    a_words, b_words = first.split(), second.split()
    differ = [(a, b) for a, b in zip(a_words, b_words, strict=False) if a != b]
    if len(a_words) != len(b_words) or len(differ) != 1:
        how = (f"{len(differ)} words" if len(a_words) == len(b_words)
               else f"length ({len(a_words)} and {len(b_words)} words)")
        return Verdict(False, f"The two prompts differ in {how}. Hint: change one word only, "
                              "so that any difference in the counts comes from it.")
    a, b = (w.lower().strip(".,;:!?'\"") for w in differ[0])
    if not _gender_swap(a, b):
        return Verdict(False, f"The prompts differ in {differ[0][0]!r} and {differ[0][1]!r}, "
                              "which this checker does not know as a male word and its female "
                              "counterpart. Hint: swap one of the pairs it knows: man/woman, "
                              "he/she, his/her, boy/girl, father/mother, dad/mom, son/daughter, "
                              "brother/sister, husband/wife, uncle/aunt, Mr./Mrs., "
                              "gentleman/lady, king/queen, or a first name such as John/Mary "
                              "(GENDER_PAIRS and MALE_FIRST_NAMES list them all).")
    if a_words[-1] != "a":
        return Verdict(False, "Hint: end both prompts with 'a', so that a job can come next, "
                              "as in 'worked as a'.")
    if (first, second) in LESSON_PAIRS or (second, first) in LESSON_PAIRS:
        return Verdict(False, "The lesson measured this pair. Hint: write a pair of your own.")
    if my_prediction not in my_pair:
        return Verdict(False, "my_prediction must be one of the two prompts: the one after "
                              "which you expect the jobs held mostly by women to be likelier.")
    per_1000 = group_table(model, tokenizer, list(my_pair), JOB_GROUPS)
    women = per_1000["jobs held mostly by women"]
    likelier, other = (first, second) if women[first] > women[second] else (second, first)
    ratio = women[likelier] / women[other]
    counts = (f"the model gives per 1,000 continuations the jobs held mostly by women "
              f"{women[first]:.1f} after {first!r} and {women[second]:.1f} after {second!r}")
    if ratio < SMALL_RATIO:
        outcome = (f"{ratio:.1f} times: about equal, too small a gap to confirm or refute "
                   "a prediction")
    elif my_prediction == likelier:
        outcome = f"{ratio:.1f} times likelier after the prompt you predicted"
    else:
        outcome = (f"{ratio:.1f} times likelier after the other prompt: the model goes the "
                   "other way, and that is the finding. Keep the pair and revise the "
                   "prediction; rewording until it matches would be fishing")
    return Verdict(True, f"A probe pair that differs in one gendered word; {counts}, "
                         f"{outcome}.")


def _by_agreement(labels, topics, predictions, positive_topics) -> dict[str, float]:
    """The accuracy where topic and label agree, and where they disagree."""
    groups = {"agree": [], "disagree": []}
    for label, topic, prediction in zip(labels, topics, predictions, strict=True):
        agree = (label == "positive") == (topic in positive_topics)
        groups["agree" if agree else "disagree"].append(prediction == label)
    return {name: sum(hits) / len(hits) for name, hits in groups.items()}


def _accuracy_where(labels, predictions, keep) -> float:
    """The accuracy over the sentences where `keep` is True."""
    hits = [p == y for p, y, k in zip(predictions, labels, keep, strict=True) if k]
    return sum(hits) / len(hits)


AGREEMENT_CASE = (  # labels, topics, predictions: right where they agree, mostly wrong
    ["positive", "negative", "negative", "positive", "negative", "positive", "positive",
     "negative", "positive", "negative"],  # elsewhere; by topic alone 0.8 and 0.6
    ["food", "work", "food", "work", "food", "work", "film", "shopping", "food", "work"],
    ["positive", "negative", "positive", "negative", "negative", "negative", "positive",
     "negative", "positive", "negative"],
    {"food", "film"},
)


@checker
def check_accuracy_by_agreement(my_accuracy_by_agreement) -> Verdict:
    """Compare the reader's split of accuracy by topic-label agreement with the lesson's."""
    labels, topics, predictions, positive_topics = AGREEMENT_CASE
    expected = _by_agreement(labels, topics, predictions, positive_topics)
    answer = my_accuracy_by_agreement(labels, topics, predictions, positive_topics)
    if not isinstance(answer, dict) or set(answer) != {"agree", "disagree"}:
        return Verdict(False, "Hint: return a dict with two keys, 'agree' and 'disagree'.")
    got = {k: float(v) for k, v in answer.items()}
    if all(math.isclose(got[k], expected[k]) for k in expected):
        return Verdict(True, f"Where topic and label agree {expected['agree']:.2f}, where they "
                             f"disagree {expected['disagree']:.2f}: the overall score hid it.")
    overall = sum(p == y for p, y in zip(predictions, labels, strict=True)) / len(labels)
    if all(math.isclose(v, overall) for v in got.values()):
        return Verdict(False, "Both numbers are the overall accuracy. Hint: count right and "
                              "wrong within each group only: agree when a positive sentence is "
                              "about a topic in positive_topics, or a negative one is not.")
    praised = [t in positive_topics for t in topics]
    by_topic = [_accuracy_where(labels, predictions, [p == want for p in praised])
                for want in (True, False)]  # praised topics, the others
    if any(all(math.isclose(g, b) for g, b in zip(order, by_topic, strict=True))
           for order in ([got["agree"], got["disagree"]], [got["disagree"], got["agree"]])):
        return Verdict(False, "This splits by topic alone. Hint: agreement needs the label "
                              "too: a sentence agrees when it praises a topic in "
                              "positive_topics or criticises one outside it.")
    if math.isclose(got["agree"], expected["disagree"]) and math.isclose(
            got["disagree"], expected["agree"]):
        return Verdict(False, "'agree' and 'disagree' are swapped. Hint: topic and label agree "
                              "when (label == 'positive') == (topic in positive_topics).")
    sizes = {k: sum(((y == "positive") == (t in positive_topics)) == (k == "agree")
                    for y, t in zip(labels, topics, strict=True)) for k in expected}
    if all(math.isclose(got[k], expected[k] * sizes[k] / len(labels)) for k in expected):
        return Verdict(False, "This divides each group's right answers by the number of all "
                              "sentences. Hint: divide by the number of sentences in the "
                              "group.")
    return Verdict(False, f"It returned {got}. Hint: sort each sentence into 'agree' or "
                          "'disagree', then take the share of right predictions in each.")
# --8<-- [end:checkers]


# --8<-- [start:effect_size_exercise]
import torch


def my_effect_size(X: torch.Tensor, Y: torch.Tensor, A: torch.Tensor,
                   B: torch.Tensor) -> float:
    """The WEAT's d, for unit vectors: one row per word."""
    s_X = (X @ A.T).mean(dim=1) - (X @ B.T).mean(dim=1)  # s(x, A, B) for every x
    s_Y = (Y @ A.T).mean(dim=1) - (Y @ B.T).mean(dim=1)
    return (s_X.mean() - s_Y.mean()).item()  # your code here: in units of the spread
# --8<-- [end:effect_size_exercise]


# --8<-- [start:effect_size_solution]
import torch


def my_effect_size(X: torch.Tensor, Y: torch.Tensor, A: torch.Tensor,
                   B: torch.Tensor) -> float:
    """The WEAT's d, for unit vectors: one row per word."""
    s_X = (X @ A.T).mean(dim=1) - (X @ B.T).mean(dim=1)  # s(x, A, B) for every x
    s_Y = (Y @ A.T).mean(dim=1) - (Y @ B.T).mean(dim=1)
    spread = torch.cat([s_X, s_Y]).std()  # over X and Y together, n - 1
    return ((s_X.mean() - s_Y.mean()) / spread).item()
# --8<-- [end:effect_size_solution]


# --8<-- [start:probe_pair_exercise]
my_pair = ("The man worked as a", "The woman was hired as a")  # your pair here
my_prediction = "The woman was hired as a"  # where jobs held mostly by women are likelier
# --8<-- [end:probe_pair_exercise]


# --8<-- [start:probe_pair_solution]
my_pair = ("My father worked as a", "My mother worked as a")  # one word swapped
my_prediction = "My mother worked as a"
# --8<-- [end:probe_pair_solution]


# --8<-- [start:agreement_exercise]
def my_accuracy_by_agreement(labels: list[str], topics: list[str], predictions: list[str],
                             positive_topics: set[str]) -> dict[str, float]:
    """Accuracy where topic and label agree, and where they disagree."""
    right = sum(p == y for p, y in zip(predictions, labels, strict=True))
    overall = right / len(labels)  # your code here: one accuracy per group
    return {"agree": overall, "disagree": overall}
# --8<-- [end:agreement_exercise]


# --8<-- [start:agreement_solution]
def my_accuracy_by_agreement(labels: list[str], topics: list[str], predictions: list[str],
                             positive_topics: set[str]) -> dict[str, float]:
    """Accuracy where topic and label agree, and where they disagree."""
    hits = {"agree": [], "disagree": []}
    for label, topic, prediction in zip(labels, topics, predictions, strict=True):
        agree = (label == "positive") == (topic in positive_topics)  # praise for a praised topic
        hits["agree" if agree else "disagree"].append(prediction == label)
    return {group: sum(h) / len(h) for group, h in hits.items()}
# --8<-- [end:agreement_solution]
