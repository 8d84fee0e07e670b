from collections import Counter
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from snippets.in_context import (
    accuracy,
    draw_shots,
    icl_accuracies,
    icl_messages,
    label_logits,
    label_logits_loop,
    label_token_ids,
    load_examples,
    majority_accuracy,
    split_examples,
    summarise,
)
from snippets.models import smollm2_checkpoint, tiny_llama

DATA = Path(__file__).resolve().parent.parent / "data" / "icl_topics.csv"
LABELS = ["food", "music", "technology", "weather"]
INSTRUCTION = ("Classify the topic of the text as one of: food, music, weather, technology. "
               "Answer with one word.")


@pytest.fixture(scope="module")
def tokenizer():
    try:
        return AutoTokenizer.from_pretrained(smollm2_checkpoint())
    except ModuleNotFoundError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def tiny(device):
    """A random model of SmolLM2's architecture with SmolLM2's vocabulary."""
    return tiny_llama(seed=0, device=device.type, vocab_size=49152)


def test_the_labelled_set_is_balanced_and_has_no_duplicates():
    examples = load_examples(DATA)
    assert len(examples) >= 60 and len({text for text, _ in examples}) == len(examples)
    assert Counter(label for _, label in examples) == {label: 20 for label in LABELS}


def test_split_and_draws_are_balanced_disjoint_and_seeded():
    examples = load_examples(DATA)
    pool, test = split_examples(examples, pool_per_class=10, seed=0)
    assert list(pool) == LABELS and all(len(texts) == 10 for texts in pool.values())
    assert len(test) == 40
    assert Counter(label for _, label in test) == {label: 10 for label in LABELS}
    assert not {text for texts in pool.values() for text in texts} & {text for text, _ in test}
    assert split_examples(examples, 10, seed=0) == (pool, test)
    shots = draw_shots(pool, k=2, seed=5)
    assert Counter(label for _, label in shots) == {label: 2 for label in LABELS}
    assert shots == draw_shots(pool, k=2, seed=5) != draw_shots(pool, k=2, seed=6)
    assert draw_shots(pool, k=0, seed=0) == []
    with pytest.raises(ValueError, match=r"pool_per_class must be in \[1, 19\], got 20"):
        split_examples(examples, pool_per_class=20)
    with pytest.raises(ValueError, match=r"k must be in \[0, 10\], got 11"):
        draw_shots(pool, k=11, seed=0)


def test_prompt_is_a_chat_of_shots_and_labels_start_with_different_tokens(tokenizer):
    messages = icl_messages(INSTRUCTION, [("Rain again.", "weather")], "A new phone.")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "weather" and messages[-1]["content"] == "A new phone."
    ids = label_token_ids(tokenizer, LABELS)
    assert [tokenizer.decode(i) for i in ids] == LABELS  # each label is a single token
    with pytest.raises(ValueError, match=r"labels \['sports', 's'\] must start with different"):
        label_token_ids(tokenizer, ["sports", "s"])


@pytest.mark.parametrize("k", [0, 1, 2])
def test_cached_batched_scores_equal_one_forward_pass_per_prompt(tokenizer, tiny, k):
    examples = load_examples(DATA)
    pool, test = split_examples(examples, pool_per_class=10, seed=0)
    shots = draw_shots(pool, k, seed=1)
    texts = [text for text, _ in test[::7]] + ["Short.", "A much longer text " * 5]  # padding
    direct = label_logits_loop(tiny, tokenizer, INSTRUCTION, shots, texts, LABELS)
    cached = label_logits(tiny, tokenizer, INSTRUCTION, shots, texts, LABELS)
    assert cached.shape == (len(texts), len(LABELS))
    torch.testing.assert_close(cached, direct, rtol=1e-4, atol=1e-4)
    assert torch.equal(cached.argmax(-1), direct.argmax(-1))


def test_cached_scores_equal_direct_ones_on_smollm2(smollm2):
    model, tokenizer = smollm2
    texts = ["I ate a bowl of pasta with cheese.", "The drummer kept a steady beat.",
             "Snow is falling on the mountains."]
    shots = [("The new laptop has a fast processor.", "technology"), ("It is sunny.", "weather")]
    direct = label_logits_loop(model, tokenizer, INSTRUCTION, shots, texts, LABELS)
    cached = label_logits(model, tokenizer, INSTRUCTION, shots, texts, LABELS)
    torch.testing.assert_close(cached, direct, rtol=1e-3, atol=1e-3)
    zero_shot = label_logits(model, tokenizer, INSTRUCTION, [], texts, LABELS)
    assert [LABELS[i] for i in zero_shot.argmax(-1)] == ["food", "music", "weather"]


def test_accuracy_and_the_majority_baseline():
    test = [("a", "food"), ("b", "music"), ("c", "food")]
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [0.0, 1.0]])  # food, music, music
    assert accuracy(logits, test, ["food", "music"]) == pytest.approx(2 / 3)
    assert majority_accuracy(test) == pytest.approx(2 / 3)
    assert majority_accuracy([(str(i), label) for i, label in enumerate(LABELS * 3)]) == 0.25


def test_accuracies_per_number_of_shots_and_their_summary(tokenizer, tiny):
    pool, test = split_examples(load_examples(DATA), pool_per_class=10, seed=0)
    results = icl_accuracies(tiny, tokenizer, INSTRUCTION, pool, test[:8], [0, 1], draws=2)
    assert list(results) == [0, 1] and len(results[0]) == 1 and len(results[1]) == 2
    possible = {i / 8 for i in range(9)}  # accuracies on 8 test sentences
    assert all(value in possible for values in results.values() for value in values)
    rows = summarise({0: [0.5], 1: [0.25, 0.75]})
    assert rows[1] == {"shots per class": 1, "draws": 2, "mean": 0.5, "min": 0.25, "max": 0.75}


def test_sarcasm_scores_lesson_02_describes(smollm2):
    model, tokenizer = smollm2
    reviews = ["I love this phone, the battery lasts for days.",
               "I hate this phone, the battery dies in an hour.",
               "Oh great, the battery died again after an hour. I just love charging it all day."]
    instruction = "Is the sentiment of the review positive or negative? Answer with one word."
    logits = label_logits(model, tokenizer, instruction, [], reviews, ["positive", "negative"])
    positive, negative, sarcastic = logits.softmax(-1)[:, 0].tolist()
    assert negative < sarcastic < 0.5 < positive  # leans negative, between the literal ones


def test_zero_shot_is_far_above_the_majority_label_on_the_test_set(smollm2):
    model, tokenizer = smollm2
    pool, test = split_examples(load_examples(DATA), pool_per_class=10, seed=0)
    logits = label_logits(model, tokenizer, INSTRUCTION, [], [t for t, _ in test], list(pool))
    assert accuracy(logits, test, list(pool)) >= 0.9 > 0.25 == majority_accuracy(test)
