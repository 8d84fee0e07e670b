"""Lesson 03's exercises: which pipeline for which problem, a multi-label classifier's
postprocessing by hand, and the reply of a chat model decoded from its token ids, with whether
the model finished it."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section

# --8<-- [start:checkers]
# Needs: exercises.py:verdict
import math

import torch
from transformers.pipelines import get_supported_tasks

SUMMARIZE = "summarize an article"
# Each problem of the first exercise, and the task names (aliases included) that solve it.
TASKS_FOR = {
    "find the people, organisations and places named in a text": {"ner",
                                                                   "token-classification"},
    "guess the word hidden behind [MASK]": {"fill-mask"},
    "sort texts into labels chosen at run time, with no training": {
        "zero-shot-classification"},
    "turn sentences into vectors to compare their meaning": {"feature-extraction"},
    SUMMARIZE: {"text-generation"},
}
REMOVED_TASKS = {"summarization", "translation", "question-answering",  # gone in transformers 5
                 "text2text-generation", "visual-question-answering", "vqa", "image-to-image"}


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
            hint = ("see which pipeline the lesson's summarize() calls." if problem == SUMMARIZE
                    else "pick one of the names get_supported_tasks() prints.")
            return Verdict(False, f"For {problem!r}: {answer!r} was a pipeline in transformers "
                                  f"4, and transformers 5 removed it. Hint: {hint}")
        if answer not in supported:
            return Verdict(False, f"For {problem!r}: {answer!r} is not a task name that "
                                  "pipeline() accepts. Hint: pick one of the names "
                                  "get_supported_tasks() prints.")
        if problem == SUMMARIZE and answer in {"image-text-to-text", "any-to-any"}:
            return Verdict(False, f"For {problem!r}: {answer!r} takes images or other media "
                                  "along with the text. Hint: for text alone, see which "
                                  "pipeline the lesson's summarize() calls.")
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
    """Compare the reader's multi-label postprocessing with a sigmoid per logit, most likely
    first, as the text-classification pipeline gives with function_to_apply="sigmoid"."""
    id2label = {0: "TOXIC", 1: "INSULT", 2: "THREAT"}
    cases = [torch.tensor([-1.5, 2.0]), torch.tensor([0.3, -0.2, 1.1]),
             torch.tensor([3.0, 2.5, -1000.0])]  # a logit negative enough to overflow exp(-z)
    for logits in cases:
        labels = {i: id2label[i] for i in range(len(logits))}
        probabilities = torch.sigmoid(logits.double())
        expected = sorted(({"label": labels[i], "score": p.item()}
                           for i, p in enumerate(probabilities)), key=lambda d: -d["score"])
        try:
            answer = my_postprocess(logits.clone(), labels)
        except OverflowError as error:
            return Verdict(False, f"For logits {logits.tolist()} your answer raised "
                                  f"OverflowError: {error}. Hint: torch.sigmoid does not "
                                  "overflow; by hand, for a negative logit z write exp(z) / "
                                  "(1 + exp(z)), the same number.")
        if (not isinstance(answer, list) or len(answer) != len(logits)
                or not all(isinstance(d, dict) and set(d) == {"label", "score"}
                           for d in answer)):
            return Verdict(False, f"It must return a list of {len(logits)} dicts with keys "
                                  "'label' and 'score', one per label, as the pipeline does. "
                                  "Hint: build one {'label': ..., 'score': ...} per logit.")
        scores = [float(d["score"]) for d in answer]
        if not all(math.isfinite(score) for score in scores):
            return Verdict(False, f"For logits {logits.tolist()} the scores came out as "
                                  f"{scores}. Hint: torch.sigmoid gives a finite probability "
                                  "for any logit.")
        by_label = {d["label"]: float(d["score"]) for d in answer}
        if sorted(by_label) != sorted(labels.values()):
            return Verdict(False, f"The labels must be those of id2label, each once, got "
                                  f"{[d['label'] for d in answer]}. Hint: label i is "
                                  "id2label[i].")
        if all(math.isclose(by_label[labels[i]], z, abs_tol=1e-4)
               for i, z in enumerate(logits.tolist())):
            return Verdict(False, "The scores are the logits themselves. Hint: a sigmoid, "
                                  "1 / (1 + exp(-z)), turns each logit into a probability.")
        if all(math.isclose(by_label[labels[i]], p, abs_tol=1e-4)
               for i, p in enumerate(torch.softmax(logits.double(), dim=0).tolist())):
            return Verdict(False, "The scores sum to 1: that is a softmax, where the labels "
                                  "compete. Hint: in a multi-label model each label stands "
                                  "alone: apply a sigmoid to each logit.")
        if not all(math.isclose(by_label[d["label"]], d["score"], abs_tol=1e-4)
                   for d in expected):
            return Verdict(False, f"For logits {logits.tolist()} it returned {_fmt(answer)}. "
                                  "Hint: score i is 1 / (1 + exp(-logit i)), and it goes with "
                                  "id2label[i].")
        if scores != sorted(scores, reverse=True):
            return Verdict(False, f"The right scores, but in the order {_fmt(answer)}. Hint: "
                                  "the pipeline lists the most likely label first: sort by "
                                  "score, largest first.")
    return Verdict(True, "A sigmoid per logit, each with its label, the most likely first: what "
                         "the text-classification pipeline returns with "
                         "function_to_apply=\"sigmoid\".")


@checker
def check_reply(my_reply, tokenizer) -> Verdict:
    """Compare the reader's (text, finished) with the reply's text alone and whether the model
    ended it with its end-of-sequence token, rather than being cut by max_new_tokens."""
    chats = [("Give me a tip for learning to code.", "Practice a little every day.", True),
             ("What is the capital of France?", "Paris is the capital", False)]  # cut short
    for question, reply, finished in chats:
        messages = [{"role": "user", "content": question}]
        input_ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                  return_tensors="pt", return_dict=True)[
            "input_ids"]
        new_text = reply + tokenizer.eos_token if finished else reply
        new_ids = tokenizer(new_text, return_tensors="pt")["input_ids"]
        output_ids = torch.cat([input_ids, new_ids], dim=1)  # what generate() returns
        answer = my_reply(tokenizer, input_ids, output_ids)
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return two "
                                  "things, the text and whether the model finished: "
                                  "return text, finished.")
        text, said_finished = answer
        if isinstance(text, list):
            return Verdict(False, "The text is a list: decoding a 2-D tensor gives one string "
                                  "per sequence. Hint: decode one sequence, output_ids[0, ...], "
                                  "or take tokenizer.batch_decode(...)[0].")
        if not isinstance(text, str):
            return Verdict(False, f"The text is a {type(text).__name__}. Hint: "
                                  "tokenizer.decode turns ids into a string.")
        if question in text:
            return Verdict(False, f"The text holds the prompt too ({text[:40]!r}...). Hint: "
                                  "generate() returns the prompt's ids, then the new ones: "
                                  "skip the first input_ids.shape[1] ids.")
        if text == reply + tokenizer.eos_token:
            return Verdict(False, f"The reply ends with the special token "
                                  f"{tokenizer.eos_token!r}. Hint: decode(..., "
                                  "skip_special_tokens=True) leaves special tokens out.")
        if text != reply:
            return Verdict(False, f"It returned {text!r}. Hint: decode only the ids after the "
                                  "prompt's, with skip_special_tokens=True.")
        if not isinstance(said_finished, bool):
            return Verdict(False, f"finished is a {type(said_finished).__name__}. Hint: make it "
                                  "True or False, for example with == or bool(...).")
        if said_finished != finished:
            return Verdict(False, f"For the reply {reply!r}, finished should be {finished}. "
                                  "Hint: skip_special_tokens=True removed the end token from "
                                  "the text: look at the ids instead; a reply the model ended "
                                  "itself stops with tokenizer.eos_token_id.")
    return Verdict(True, "Only the new ids, decoded without special tokens, as the pipeline's "
                         "return_full_text=False gives; finished when the last id is the "
                         "end-of-sequence token.")
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
    """One logit per label to [{"label", "score"}, ...], each label's own probability, most
    likely first."""
    return [{"label": id2label[i], "score": logits[i].item()}  # your code here
            for i in range(len(logits))]
# --8<-- [end:postprocess_exercise]


# --8<-- [start:postprocess_solution]
import torch


def my_postprocess(logits: torch.Tensor, id2label: dict[int, str]) -> list[dict]:
    """One logit per label to [{"label", "score"}, ...], each label's own probability, most
    likely first."""
    probabilities = torch.sigmoid(logits)  # 1 / (1 + exp(-z)), each logit on its own
    scores = [{"label": id2label[i], "score": p.item()} for i, p in enumerate(probabilities)]
    return sorted(scores, key=lambda d: d["score"], reverse=True)
# --8<-- [end:postprocess_solution]


# --8<-- [start:reply_exercise]
import torch


def my_reply(tokenizer, input_ids: torch.Tensor, output_ids: torch.Tensor) -> tuple[str, bool]:
    """The text of the new tokens only (no prompt, no special tokens), and whether the model
    ended the reply itself rather than being cut by max_new_tokens."""
    return tokenizer.decode(output_ids[0]), True  # your code here
# --8<-- [end:reply_exercise]


# --8<-- [start:reply_solution]
import torch


def my_reply(tokenizer, input_ids: torch.Tensor, output_ids: torch.Tensor) -> tuple[str, bool]:
    """The text of the new tokens only (no prompt, no special tokens), and whether the model
    ended the reply itself rather than being cut by max_new_tokens."""
    new_ids = output_ids[0, input_ids.shape[1]:]  # generate() returns the prompt first
    finished = new_ids[-1].item() == tokenizer.eos_token_id  # the model's own end token
    return tokenizer.decode(new_ids, skip_special_tokens=True), finished
# --8<-- [end:reply_solution]
