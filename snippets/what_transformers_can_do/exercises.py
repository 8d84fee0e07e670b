"""Lesson 03's exercises: which pipeline for which problem, a classifier's postprocessing by
hand, and the reply of a chat model decoded from its token ids."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section

# --8<-- [start:checkers]
# Needs: exercises.py:verdict
import math

import torch
from transformers.pipelines import get_supported_tasks

# Each problem of the first exercise, and the task names (aliases included) that solve it.
TASKS_FOR = {
    "find the people, organisations and places named in a text": {"ner",
                                                                   "token-classification"},
    "guess the word hidden behind [MASK]": {"fill-mask"},
    "sort texts into labels chosen at run time, with no training": {
        "zero-shot-classification"},
    "turn sentences into vectors to compare their meaning": {"feature-extraction"},
    "summarize an article": {"text-generation"},
}
REMOVED_TASKS = {"summarization", "translation", "question-answering"}  # gone in transformers 5


@checker
def check_tasks(my_tasks: dict) -> Verdict:
    """Compare the reader's task name for each problem with those that solve it."""
    if not isinstance(my_tasks, dict) or set(my_tasks) != set(TASKS_FOR):
        return Verdict(False, "my_tasks must keep the five problems as its keys. Hint: change "
                              "only the values, the \"?\".")
    supported = set(get_supported_tasks())
    for problem, solving in TASKS_FOR.items():
        answer = my_tasks[problem]
        if answer in REMOVED_TASKS:
            return Verdict(False, f"For {problem!r}: {answer!r} was a pipeline in transformers "
                                  "4, and transformers 5 removed it. Hint: see which pipeline "
                                  "the lesson's summarize() calls.")
        if answer not in supported:
            return Verdict(False, f"For {problem!r}: {answer!r} is not a task name that "
                                  "pipeline() accepts. Hint: pick one of the names "
                                  "get_supported_tasks() prints.")
        if answer not in solving:
            return Verdict(False, f"For {problem!r}: {answer!r} is a pipeline, but not the one "
                                  "for this problem. Hint: ask what the model must return: a "
                                  "label per token, a word, a score per label you give it, "
                                  "vectors, or new text.")
    return Verdict(True, "Each problem has its pipeline; summarize() reaches an instruct model "
                         "through text-generation.")


def _fmt(scores) -> str:
    """A list of label/score dicts, scores rounded to 4 decimals: for a hint."""
    return "[" + ", ".join(f"{d['label']}: {d['score']:.4f}" for d in scores) + "]"


@checker
def check_postprocess(my_postprocess) -> Verdict:
    """Compare the reader's postprocessing with the softmax of the logits, most likely first."""
    id2label = {0: "NEGATIVE", 1: "POSITIVE", 2: "NEUTRAL"}
    cases = [torch.tensor([-1.5, 2.0]), torch.tensor([0.3, -0.2, 1.1]),
             torch.tensor([1000.0, 998.0, 0.0])]  # logits large enough to overflow exp
    for logits in cases:
        labels = {i: id2label[i] for i in range(len(logits))}
        probabilities = torch.softmax(logits.double(), dim=0)
        expected = sorted(({"label": labels[i], "score": p.item()}
                           for i, p in enumerate(probabilities)), key=lambda d: -d["score"])
        answer = my_postprocess(logits.clone(), labels)
        if (not isinstance(answer, list) or len(answer) != len(logits)
                or not all(isinstance(d, dict) and set(d) == {"label", "score"}
                           for d in answer)):
            return Verdict(False, f"It must return a list of {len(logits)} dicts with keys "
                                  "'label' and 'score', one per label, as the pipeline does. "
                                  "Hint: build one {'label': ..., 'score': ...} per logit.")
        scores = [float(d["score"]) for d in answer]
        if not all(math.isfinite(score) for score in scores):
            return Verdict(False, f"For logits {logits.tolist()} the scores came out as "
                                  f"{scores}: exp overflows. Hint: subtract the largest logit "
                                  "first; the softmax does not change.")
        by_label = {d["label"]: float(d["score"]) for d in answer}
        if sorted(by_label) != sorted(labels.values()):
            return Verdict(False, f"The labels must be those of id2label, each once, got "
                                  f"{[d['label'] for d in answer]}. Hint: label i is "
                                  "id2label[i].")
        if all(math.isclose(by_label[labels[i]], z, abs_tol=1e-4)
               for i, z in enumerate(logits.tolist())):
            return Verdict(False, "The scores are the logits themselves. Hint: a softmax turns "
                                  "logits into probabilities that sum to 1.")
        if all(math.isclose(by_label[labels[i]], p, abs_tol=1e-4)
               for i, p in enumerate(torch.sigmoid(logits.double()).tolist())):
            return Verdict(False, "Each score is a sigmoid of its own logit, so they need not "
                                  "sum to 1. Hint: the labels compete for one probability: "
                                  "take the softmax over all of them.")
        if not all(math.isclose(by_label[d["label"]], d["score"], abs_tol=1e-4)
                   for d in expected):
            return Verdict(False, f"For logits {logits.tolist()} it returned {_fmt(answer)}. "
                                  "Hint: score i is exp(logit i) divided by the sum of all the "
                                  "exps, and it goes with id2label[i].")
        if scores != sorted(scores, reverse=True):
            return Verdict(False, f"The right scores, but in the order {_fmt(answer)}. Hint: "
                                  "the pipeline lists the most likely label first: sort by "
                                  "score, largest first.")
    return Verdict(True, "The softmax of the logits, each with its label, the most likely "
                         "first: what the text-classification pipeline returns.")


@checker
def check_reply(my_reply, tokenizer) -> Verdict:
    """Compare the reader's decoding of generate()'s output with the reply's text alone."""
    chats = [("Give me a tip for learning to code.", "Practice a little every day."),
             ("What is the capital of France?", "Paris.")]
    for question, reply in chats:
        messages = [{"role": "user", "content": question}]
        input_ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                  return_tensors="pt", return_dict=True)[
            "input_ids"]
        new_ids = tokenizer(reply + tokenizer.eos_token, return_tensors="pt")["input_ids"]
        output_ids = torch.cat([input_ids, new_ids], dim=1)  # what generate() returns
        answer = my_reply(tokenizer, input_ids, output_ids)
        if not isinstance(answer, str):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: "
                                  "tokenizer.decode turns ids into a string.")
        if answer == reply:
            continue
        if question in answer:
            return Verdict(False, f"The text holds the prompt too ({answer[:40]!r}...). Hint: "
                                  "generate() returns the prompt's ids, then the new ones: "
                                  "skip the first input_ids.shape[1] ids.")
        if answer == reply + tokenizer.eos_token:
            return Verdict(False, f"The reply ends with the special token "
                                  f"{tokenizer.eos_token!r}. Hint: decode(..., "
                                  "skip_special_tokens=True) leaves special tokens out.")
        return Verdict(False, f"It returned {answer!r}. Hint: decode only the ids after the "
                              "prompt's, with skip_special_tokens=True.")
    return Verdict(True, "Only the new ids, decoded without special tokens: what the pipeline's "
                         "return_full_text=False gives.")
# --8<-- [end:checkers]


# --8<-- [start:tasks_exercise]
my_tasks = {  # a task name that pipeline() accepts, for each problem
    "find the people, organisations and places named in a text": "?",
    "guess the word hidden behind [MASK]": "?",
    "sort texts into labels chosen at run time, with no training": "?",
    "turn sentences into vectors to compare their meaning": "?",
    "summarize an article": "?",
}
# --8<-- [end:tasks_exercise]


# --8<-- [start:tasks_solution]
my_tasks = {  # a task name that pipeline() accepts, for each problem
    "find the people, organisations and places named in a text": "ner",
    "guess the word hidden behind [MASK]": "fill-mask",
    "sort texts into labels chosen at run time, with no training": "zero-shot-classification",
    "turn sentences into vectors to compare their meaning": "feature-extraction",
    "summarize an article": "text-generation",  # with an instruct model and a chat
}
# --8<-- [end:tasks_solution]


# --8<-- [start:postprocess_exercise]
import torch


def my_postprocess(logits: torch.Tensor, id2label: dict[int, str]) -> list[dict]:
    """One logit per label to [{"label", "score"}, ...], probabilities, most likely first."""
    return [{"label": id2label[i], "score": logits[i].item()}  # your code here
            for i in range(len(logits))]
# --8<-- [end:postprocess_exercise]


# --8<-- [start:postprocess_solution]
import torch


def my_postprocess(logits: torch.Tensor, id2label: dict[int, str]) -> list[dict]:
    """One logit per label to [{"label", "score"}, ...], probabilities, most likely first."""
    probabilities = torch.softmax(logits.double(), dim=0)  # shifts by the max: no overflow
    scores = [{"label": id2label[i], "score": p.item()} for i, p in enumerate(probabilities)]
    return sorted(scores, key=lambda d: d["score"], reverse=True)
# --8<-- [end:postprocess_solution]


# --8<-- [start:reply_exercise]
import torch


def my_reply(tokenizer, input_ids: torch.Tensor, output_ids: torch.Tensor) -> str:
    """The text of the new tokens only: no prompt, no special tokens."""
    return tokenizer.decode(output_ids[0])  # your code here
# --8<-- [end:reply_exercise]


# --8<-- [start:reply_solution]
import torch


def my_reply(tokenizer, input_ids: torch.Tensor, output_ids: torch.Tensor) -> str:
    """The text of the new tokens only: no prompt, no special tokens."""
    new_ids = output_ids[0, input_ids.shape[1]:]  # generate() returns the prompt first
    return tokenizer.decode(new_ids, skip_special_tokens=True)
# --8<-- [end:reply_solution]
