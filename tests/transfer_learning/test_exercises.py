from functools import partial

import pytest
from exercise_sections import run_section

from snippets.transfer_learning.exercises import (
    _tiny_classifier,
    check_baseline,
    check_freeze_body,
    check_training_flops,
)

section = partial(run_section, "transfer_learning")  # the names a section defines, run alone


@pytest.fixture(scope="module")
def tokenizer(minilm):
    return minilm[1]


# (the function's name, the section of the starting point, of the solution)
EXERCISES = [("my_baseline", "baseline_exercise", "baseline_solution"),
             ("my_freeze_body", "freeze_exercise", "freeze_solution"),
             ("my_training_flops", "flops_exercise", "flops_solution")]


def run_check(name, answer, tokenizer):
    if name == "my_baseline":
        return check_baseline(answer)
    if name == "my_freeze_body":
        return check_freeze_body(answer)
    return check_training_flops(answer, tokenizer)


@pytest.mark.parametrize(("name", "_", "solution"), EXERCISES, ids=[e[0] for e in EXERCISES])
def test_every_solution_passes_its_checker(tokenizer, name, _, solution):
    verdict = run_check(name, section(solution)[name], tokenizer)
    assert verdict.right is True and repr(verdict).startswith("Right."), verdict


STARTING_POINT_HINTS = {"my_baseline": "Counter", "my_freeze_body": "model.bert",
                        "my_training_flops": "input_ids"}
# What the page shows under each unedited starting point: a hint about the method, not the
# answer's code or numbers.
STARTING_POINT_GIVES_AWAY = {"my_baseline": ["most_common", "0.6", "/ len"],
                             "my_freeze_body": ["for ", "= False", ".parameters()"],
                             "my_training_flops": ["sum(", "len(tokenizer"]}


@pytest.mark.parametrize(("name", "starting_point", "_"), EXERCISES,
                         ids=[e[0] for e in EXERCISES])
def test_the_unedited_starting_point_fails_with_a_hint_on_the_method(tokenizer, name,
                                                                    starting_point, _):
    verdict = run_check(name, section(starting_point)[name], tokenizer)
    assert verdict.right is False and repr(verdict).startswith("Not yet.")
    assert "Hint:" in verdict.message and STARTING_POINT_HINTS[name] in verdict.message
    for giveaway in STARTING_POINT_GIVES_AWAY[name]:
        assert giveaway not in verdict.message, verdict.message


def test_the_baseline_solution_equals_the_lessons_own_baseline():
    from datasets import Dataset

    from snippets.transfer_learning.finetuning import majority_baseline

    baseline = section("baseline_solution")["my_baseline"]
    for train, test in [([1, 1, 0], [0, 0, 1, 1]), ([0, 0, 0, 1], [1, 1, 1, 0]),
                        ([2, 1, 2], [2, 2, 2, 0, 1])]:
        assert baseline(train, test) == majority_baseline(Dataset.from_dict({"label": train}),
                                                          Dataset.from_dict({"label": test}))


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda train, test: 0.5, "only when every label is equally common"),
    (lambda train, test: max(set(train), key=train.count), "It returned a label"),
    (lambda train, test: sum(y == max(set(test), key=test.count) for y in test) / len(test),
     "most common label of the test set"),
    (lambda train, test: train.count(max(set(train), key=train.count)) / len(train),
     "how common the majority label is in the training set"),
    (lambda train, test: sum(y == min(set(train), key=train.count) for y in test) / len(test),
     "not the accuracy of the training set's most common label"),
    (lambda train, test: "0.6", "It returned a str"),
])
def test_a_wrong_baseline_gets_its_hint(wrong, hint):
    verdict = check_baseline(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


def freeze(names_to_freeze):
    def my_freeze_body(model):
        for name, parameter in model.named_parameters():
            if name.startswith(names_to_freeze):
                parameter.requires_grad = False
        return model
    return my_freeze_body


@pytest.mark.parametrize(("wrong", "hint"), [
    (freeze(("bert", "classifier")), "Nothing is left to train"),
    (freeze(("nothing",)), "Every parameter still trains"),
    (freeze(("bert.embeddings", "bert.encoder")), "The pooler still trains"),
    (freeze(("bert.encoder",)), "parameters of the body still train"),
    (freeze(("classifier", "bert.embeddings")), "The new head is frozen"),
])
def test_a_wrong_freeze_gets_its_hint(wrong, hint):
    verdict = check_freeze_body(wrong)
    assert verdict.right is False and hint in verdict.message, verdict.message


def test_the_freeze_solution_works_in_place_and_leaves_the_heads_770_weights_on_minilm(minilm):
    freeze_body = section("freeze_solution")["my_freeze_body"]
    model = _tiny_classifier()
    assert freeze_body(model) is model
    from snippets.transfer_learning.finetuning import load_classifier

    classifier, _ = load_classifier(pretrained=True, seed=0, device="cpu")
    freeze_body(classifier)
    assert sum(p.numel() for p in classifier.parameters() if p.requires_grad) == 384 * 2 + 2
    # an in-place answer that returns nothing is checked too
    assert check_freeze_body(lambda m: freeze_body(m) and None).right is True


def tokens(tokenizer, text, **kwargs):
    return len(tokenizer(text, **kwargs)["input_ids"])


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda n, texts, tok, passes: 6 * n * passes * sum(len(t.split()) for t in texts),
     "It counts words"),
    (lambda n, texts, tok, passes: 6 * n * passes * sum(
        tokens(tok, t, add_special_tokens=False) for t in texts), "[CLS] and [SEP]"),
    (lambda n, texts, tok, passes: 6 * n * passes * len(texts) * max(
        tokens(tok, t) for t in texts), "padding"),
    (lambda n, texts, tok, passes: 6 * n * sum(tokens(tok, t) for t in texts),
     "It counts one pass"),
    (lambda n, texts, tok, passes: 2 * n * passes * sum(tokens(tok, t) for t in texts),
     "the forward pass alone"),
    (lambda n, texts, tok, passes: 6 * n * passes * sum(len(t) for t in texts),
     "it is not 6 x parameters x tokens"),
    (lambda n, texts, tok, passes: None, "It returned a NoneType"),
])
def test_a_wrong_flop_count_gets_its_hint(tokenizer, wrong, hint):
    verdict = check_training_flops(wrong, tokenizer)
    assert verdict.right is False and hint in verdict.message, verdict.message


def test_the_flops_solution_counts_the_lessons_training_set_by_hand(tokenizer):
    training_flops = section("flops_solution")["my_training_flops"]
    texts = ["Good.", "Not good at all."]
    by_hand = (len(tokenizer.tokenize("Good.")) + 2) + (len(tokenizer.tokenize(
        "Not good at all.")) + 2)  # [CLS] and [SEP] around each
    assert training_flops(10, texts, tokenizer, 2) == 6 * 10 * by_hand * 2


def test_a_numpy_number_is_an_answer_too(tokenizer):
    import numpy as np

    baseline = section("baseline_solution")["my_baseline"]
    assert check_baseline(lambda train, test: np.float32(baseline(train, test))).right is True
    assert check_baseline(lambda train, test: np.float64(baseline(train, test))).right is True
    verdict = check_baseline(lambda train, test: np.float32(0.5))
    assert verdict.right is False and "only when every label is equally common" in verdict.message
    flops = section("flops_solution")["my_training_flops"]
    assert check_training_flops(lambda *args: np.int64(flops(*args)), tokenizer).right is True


def test_a_freeze_that_returns_the_body_is_judged_on_the_model_passed_in():
    def freeze_and_return_the_body(model):
        return model.bert.requires_grad_(False)

    assert check_freeze_body(freeze_and_return_the_body).right is True

    def freeze_everything_and_return_the_body(model):
        model.requires_grad_(False)
        return model.bert

    verdict = check_freeze_body(freeze_everything_and_return_the_body)
    assert verdict.right is False and "Nothing is left to train" in verdict.message


def test_the_padding_hint_says_padding_is_compute_not_data(tokenizer):
    verdict = check_training_flops(lambda n, texts, tok, passes: 6 * n * passes * len(texts)
                                   * max(tokens(tok, t) for t in texts), tokenizer)
    assert verdict.right is False and "extra compute, not data" in verdict.message
