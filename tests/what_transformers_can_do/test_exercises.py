"""Lesson 03's exercises: each solution passes its checker; the starting point and typical
mistakes get their hints."""

import math
from functools import partial

import torch
from exercise_sections import run_section

from snippets.exercises import Verdict
from snippets.what_transformers_can_do.exercises import (
    TASKS_FOR,
    check_postprocess,
    check_reply,
    check_tasks,
)
from snippets.what_transformers_can_do.pipeline_steps import classify_forward, classify_preprocess

section = partial(run_section, "what_transformers_can_do")  # the names a section defines, run alone


def test_tasks_solution_passes_and_the_starting_point_does_not():
    assert check_tasks(section("tasks_solution")["my_tasks"]).right
    start = check_tasks(section("tasks_exercise")["my_tasks"])
    assert not start.right and "get_supported_tasks()" in start.message
    aliases = dict(section("tasks_solution")["my_tasks"])
    aliases["find the people, organisations and places named in a text"] = (
        "token-classification")
    assert check_tasks(aliases).right


def test_tasks_mistakes_get_their_hints_without_the_answer():
    solution = section("tasks_solution")["my_tasks"]
    removed = {**solution, "summarize an article": "summarization"}
    verdict = check_tasks(removed)
    assert not verdict.right and "transformers 5 removed it" in verdict.message
    assert "summarize() calls" in verdict.message and "text-generation" not in verdict.message
    swapped = {**solution, "guess the word hidden behind [MASK]": "text-generation"}
    verdict = check_tasks(swapped)
    assert not verdict.right and "not the one for this problem" in verdict.message
    assert "fill-mask" not in verdict.message
    assert "keep the five problems" in check_tasks({"summarize": "text-generation"}).message
    old = check_tasks({**solution, "summarize an article": "text2text-generation"})
    assert not old.right and "transformers 5 removed it" in old.message
    removed_elsewhere = check_tasks({**solution, "guess the word hidden behind [MASK]": "vqa"})
    assert "transformers 5 removed it" in removed_elsewhere.message
    assert "get_supported_tasks()" in removed_elsewhere.message
    for media in ("image-text-to-text", "any-to-any"):
        verdict = check_tasks({**solution, "summarize an article": media})
        assert not verdict.right and "other media" in verdict.message
        assert "summarize() calls" in verdict.message and "text-generation" not in verdict.message


def test_every_task_of_the_solution_is_one_pipeline_accepts():
    from transformers.pipelines import get_supported_tasks

    assert set().union(*TASKS_FOR.values()) <= set(get_supported_tasks())
    assert not {"summarization", "translation", "question-answering"} & set(
        get_supported_tasks())


def test_postprocess_solution_passes_and_equals_the_sigmoid_pipeline():
    from transformers import DistilBertForSequenceClassification, pipeline

    from snippets.random_models import random_model

    my_postprocess = section("postprocess_solution")["my_postprocess"]
    assert check_postprocess(my_postprocess).right
    id2label = {0: "A", 1: "B", 2: "C"}
    model = random_model(DistilBertForSequenceClassification, id2label=id2label,
                         label2id={label: i for i, label in id2label.items()})
    from snippets.models import load_minilm

    _, tokenizer = load_minilm()
    inputs = classify_preprocess(tokenizer, "A text.", model.device)
    ours = my_postprocess(classify_forward(model, inputs), id2label)
    theirs = pipeline("text-classification", model=model, tokenizer=tokenizer,
                      device=model.device)("A text.", top_k=None, function_to_apply="sigmoid")
    assert [d["label"] for d in ours] == [d["label"] for d in theirs]
    assert all(abs(a["score"] - b["score"]) < 1e-6 for a, b in zip(ours, theirs, strict=True))
    start = check_postprocess(section("postprocess_exercise")["my_postprocess"])
    assert not start.right and "a sigmoid" in start.message


def test_postprocess_mistakes_get_their_hints():
    def unsorted(logits, id2label):
        p = torch.sigmoid(logits)
        return [{"label": id2label[i], "score": p[i].item()} for i in range(len(logits))]

    def math_exp(logits, id2label):  # overflows for a very negative logit
        p = [1 / (1 + math.exp(-z)) for z in logits.tolist()]
        return sorted(({"label": id2label[i], "score": s} for i, s in enumerate(p)),
                      key=lambda d: -d["score"])

    def softmax(logits, id2label):
        p = torch.softmax(logits, dim=0)
        return sorted(({"label": id2label[i], "score": p[i].item()} for i in range(len(p))),
                      key=lambda d: -d["score"])

    def labels_left_in_place(logits, id2label):  # sorts the scores, not the pairs
        p = sorted(torch.sigmoid(logits).tolist(), reverse=True)
        return [{"label": id2label[i], "score": s} for i, s in enumerate(p)]

    def not_a_number(logits, id2label):
        return [{"label": id2label[i], "score": float("nan")} for i in range(len(logits))]

    assert "sort by score" in check_postprocess(unsorted).message
    overflow = check_postprocess(math_exp)
    assert "OverflowError" in overflow.message and "exp(z) / (1 + exp(z))" in overflow.message
    assert "each label stands alone" in check_postprocess(softmax).message
    assert "goes with id2label[i]" in check_postprocess(labels_left_in_place).message
    assert "finite probability" in check_postprocess(not_a_number).message
    assert "keys 'label' and 'score'" in check_postprocess(lambda z, labels: z).message
    assert check_postprocess(lambda z, labels: 1 / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")


def test_reply_solution_passes_and_mistakes_get_their_hints(smollm2):
    _, tokenizer = smollm2
    assert check_reply(section("reply_solution")["my_reply"], tokenizer).right
    start = check_reply(section("reply_exercise")["my_reply"], tokenizer)
    assert not start.right and "input_ids.shape[1]" in start.message

    def finished(tokenizer, output_ids):
        return output_ids[0, -1].item() == tokenizer.eos_token_id

    def special_tokens_kept(tokenizer, input_ids, output_ids):
        return tokenizer.decode(output_ids[0, input_ids.shape[1]:]), finished(tokenizer,
                                                                              output_ids)

    def one_too_far(tokenizer, input_ids, output_ids):
        return (tokenizer.decode(output_ids[0, input_ids.shape[1] + 1:],
                                 skip_special_tokens=True), finished(tokenizer, output_ids))

    def ids(tokenizer, input_ids, output_ids):
        return output_ids[0, input_ids.shape[1]:], finished(tokenizer, output_ids)

    def two_dimensional(tokenizer, input_ids, output_ids):
        return (tokenizer.decode(output_ids[:, input_ids.shape[1]:], skip_special_tokens=True),
                finished(tokenizer, output_ids))

    def text_only(tokenizer, input_ids, output_ids):
        return tokenizer.decode(output_ids[0, input_ids.shape[1]:], skip_special_tokens=True)

    def end_token_in_text(tokenizer, input_ids, output_ids):  # skip_special_tokens removed it
        text = tokenizer.decode(output_ids[0, input_ids.shape[1]:], skip_special_tokens=True)
        return text, tokenizer.eos_token in text

    def a_tensor(tokenizer, input_ids, output_ids):
        text = tokenizer.decode(output_ids[0, input_ids.shape[1]:], skip_special_tokens=True)
        return text, output_ids[0, -1] == tokenizer.eos_token_id

    assert "skip_special_tokens=True" in check_reply(special_tokens_kept, tokenizer).message
    verdict = check_reply(one_too_far, tokenizer)
    assert not verdict.right and "decode only the ids after the prompt's" in verdict.message
    assert "tokenizer.decode" in check_reply(ids, tokenizer).message
    assert "batch_decode(...)[0]" in check_reply(two_dimensional, tokenizer).message
    assert "return text, finished" in check_reply(text_only, tokenizer).message
    verdict = check_reply(end_token_in_text, tokenizer)
    assert not verdict.right and "look at the ids" in verdict.message
    assert "True or False" in check_reply(a_tensor, tokenizer).message
