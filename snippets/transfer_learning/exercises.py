"""Lesson 05's exercises: a starting point to edit, a checker, and a solution for each."""

# A lesson shows this by its own section, included before ours.
from snippets.exercises import Verdict, checker

# --8<-- [start:checkers]
# Needs: exercises.py:verdict
import numbers
from collections import Counter

import torch
from transformers import BertConfig, BertForSequenceClassification

# (training labels, test labels): the majority of the training labels is not the test's
SKEWED = [([1] * 7 + [0] * 3, [1] * 6 + [0] * 4),  # 70% positive to train on, 60% to test
          ([0] * 8 + [1] * 2, [0] * 3 + [1] * 7),  # the test set leans the other way
          ([2, 2, 2, 0, 1, 1], [2, 0, 0, 1, 2, 2, 2, 1])]  # three labels


@checker
def check_baseline(my_baseline) -> Verdict:
    """Compare the reader's baseline with the majority label of the training set, scored on
    the test set, for label sets that are not balanced."""
    for train, test in SKEWED:
        answer = my_baseline(list(train), list(test))
        majority = Counter(train).most_common(1)[0][0]
        expected = sum(label == majority for label in test) / len(test)
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return the "
                                  "accuracy, a number between 0 and 1.")
        answer = float(answer)  # a NumPy number too
        if abs(answer - expected) < 1e-6:
            continue
        test_majority = Counter(test).most_common(1)[0][0]
        if answer in set(train) and not 0 < answer < 1:
            return Verdict(False, "It returned a label, not an accuracy. Hint: count how many "
                                  "test labels equal the majority label, then divide by the "
                                  "number of test labels.")
        if abs(answer - 1 / len(set(train))) < 1e-6 or answer == 0.5:
            return Verdict(False, f"It returned {answer:g}, which holds only when every label "
                                  "is equally common. Hint: count the training labels "
                                  "(collections.Counter) and take the most common one.")
        if abs(answer - test.count(test_majority) / len(test)) < 1e-6:
            return Verdict(False, "It picked the most common label of the test set. Hint: "
                                  "the constant answer is chosen on the training labels; the "
                                  "test labels only score it.")
        if abs(answer - train.count(majority) / len(train)) < 1e-6:
            return Verdict(False, "It returned how common the majority label is in the "
                                  "training set. Hint: score that label on the test labels.")
        return Verdict(False, "It is not the accuracy of the training set's most common label "
                              "on the test set. Hint: find that label with collections."
                              "Counter(train_labels), then count it among the test labels.")
    return Verdict(True, "A constant answer is right as often as its label is common in the "
                         "test set; on a skewed test set that can be far above one half.")


def _tiny_classifier() -> BertForSequenceClassification:
    """A BERT classifier of MiniLM's design (body, pooler, new head), small and random."""
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=32, num_labels=2)
    return BertForSequenceClassification(config)


@checker
def check_freeze_body(my_freeze_body) -> Verdict:
    """Freeze a small BERT classifier with the reader's function: only the new head, the
    classifier, may still train."""
    model = _tiny_classifier()
    answer = my_freeze_body(model)
    # in place, or a classifier returned (a part of it returned, such as model.bert: the
    # model passed in is judged)
    model = answer if isinstance(answer, BertForSequenceClassification) else model
    trainable = sorted(name for name, p in model.named_parameters() if p.requires_grad)
    head = ["classifier.bias", "classifier.weight"]
    if trainable == head:
        return Verdict(True, "Only the new head trains: the body is what pre-training "
                             "learned, used as it is (feature extraction).")
    if not trainable:
        return Verdict(False, "Nothing is left to train, the new head included. Hint: keep "
                              "requires_grad on the parameters of model.classifier.")
    if len(trainable) == len(list(model.parameters())):
        return Verdict(False, "Every parameter still trains. Hint: a parameter whose "
                              "requires_grad is off gets no gradient, so the optimizer leaves "
                              "it alone; what came from the checkpoint is model.bert.")
    if set(head) <= set(trainable) and all(name.startswith(("bert.pooler", "classifier"))
                                           for name in trainable):
        return Verdict(False, "The pooler still trains, but it came with the checkpoint too. "
                              "Hint: it is part of model.bert (model.bert.pooler).")
    if set(head) <= set(trainable):
        return Verdict(False, f"{len(trainable) - 2} parameters of the body still train "
                              f"(such as {[n for n in trainable if n not in head][0]}). Hint: "
                              "loop over model.bert.parameters(), all of them.")
    return Verdict(False, "The new head is frozen. Hint: keep requires_grad on the parameters "
                          "of model.classifier, and set it off on those of model.bert.")


def _cases() -> list[tuple[int, list[str], int]]:
    """(n_params, texts, passes): sentences of different lengths, one pass and several."""
    texts = ["I liked it.", "Far too long, and far too loud for a Sunday.", "Unbelievably bad"]
    return [(1000, texts, 1), (22_700_000, texts, 3), (5, texts[:1], 10)]


@checker
def check_training_flops(my_training_flops, tokenizer) -> Verdict:
    """Compare the reader's 6 N D with D counted as the tokens the model reads: each text's
    input_ids, special tokens included, once per pass."""
    for n_params, texts, passes in _cases():
        answer = my_training_flops(n_params, list(texts), tokenizer, passes)
        tokens = [len(tokenizer(text)["input_ids"]) for text in texts]
        expected = 6 * n_params * sum(tokens) * passes
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return the "
                                  "number of operations, a number.")
        answer = float(answer)  # a NumPy number too
        if abs(answer - expected) <= 1e-9 * expected:
            continue
        other = sum(tokens) * passes
        words = sum(len(text.split()) for text in texts) * passes
        plain = sum(len(tokenizer(text, add_special_tokens=False)["input_ids"])
                    for text in texts) * passes
        padded = len(texts) * max(tokens) * passes
        for count, hint in [
            (len(texts) * passes, "It counts one token per sentence. Hint: count each "
                                  "sentence's tokens with the tokenizer (its input_ids)."),
            (words, "It counts words, but the model reads tokens, and a word can be several. "
                    "Hint: count each sentence's input_ids from the tokenizer."),
            (plain, "It leaves out [CLS] and [SEP], which the model reads too. Hint: call the "
                    "tokenizer with its defaults (add_special_tokens=True)."),
            (padded, "It counts the padding of a batch as well: padding is extra compute, not "
                     "data. Hint: tokenize each sentence on its own, without padding."),
            (sum(tokens), "It counts one pass, whatever passes says. Hint: every pass reads "
                          "every token again."),
        ]:
            if abs(answer - 6 * n_params * count) <= 1e-9 * expected and count != other:
                return Verdict(False, hint)
        if abs(answer - expected / 3) <= 1e-9 * expected:
            return Verdict(False, "That is 2 operations per parameter per token, the forward "
                                  "pass alone. Hint: training adds the backward pass, about "
                                  "4 more.")
        return Verdict(False, f"For {n_params:,} parameters, {len(texts)} sentences and "
                              f"passes={passes} it is not 6 x parameters x tokens. Hint: the "
                              "tokens are every sentence's input_ids, counted once per pass.")
    return Verdict(True, "6 x parameters x tokens, each sentence counted in tokens with its "
                         "[CLS] and [SEP], once per pass.")
# --8<-- [end:checkers]


# --8<-- [start:baseline_exercise]
def my_baseline(train_labels: list[int], test_labels: list[int]) -> float:
    """Test accuracy of always answering the most common label of the training set."""
    return 0.5  # your code here: right only when the labels are balanced
# --8<-- [end:baseline_exercise]


# --8<-- [start:baseline_solution]
from collections import Counter


def my_baseline(train_labels: list[int], test_labels: list[int]) -> float:
    """Test accuracy of always answering the most common label of the training set."""
    majority = Counter(train_labels).most_common(1)[0][0]  # chosen on the training labels
    return sum(label == majority for label in test_labels) / len(test_labels)
# --8<-- [end:baseline_solution]


# --8<-- [start:freeze_exercise]
def my_freeze_body(model):
    """Freeze every weight that came from the checkpoint: only model.classifier trains."""
    return model  # your code here: as given, every parameter trains
# --8<-- [end:freeze_exercise]


# --8<-- [start:freeze_solution]
def my_freeze_body(model):
    """Freeze every weight that came from the checkpoint: only model.classifier trains."""
    for parameter in model.bert.parameters():  # embeddings, encoder layers and pooler
        parameter.requires_grad = False  # no gradient: the optimizer leaves it as it is
    return model
# --8<-- [end:freeze_solution]


# --8<-- [start:flops_exercise]
def my_training_flops(n_params: int, texts: list[str], tokenizer, passes: int) -> float:
    """About 6 x parameters x tokens: the operations of `passes` passes over `texts`."""
    return 6 * n_params * len(texts) * passes  # your code here: one token per sentence?
# --8<-- [end:flops_exercise]


# --8<-- [start:flops_solution]
def my_training_flops(n_params: int, texts: list[str], tokenizer, passes: int) -> float:
    """About 6 x parameters x tokens: the operations of `passes` passes over `texts`."""
    tokens = sum(len(tokenizer(text)["input_ids"]) for text in texts)  # [CLS] ... [SEP]
    return 6 * n_params * tokens * passes  # every pass reads every token again
# --8<-- [end:flops_solution]
