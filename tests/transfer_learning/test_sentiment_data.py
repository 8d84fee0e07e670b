import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from datasets import Dataset

from snippets.transfer_learning.sentiment_data import (
    LABELS,
    load_sentiment,
    reverse_words,
    take_subset,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment.csv"


def rows_of(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_data_set_is_large_balanced_and_free_of_duplicates():
    rows = rows_of(DATA)
    assert len(rows) >= 400
    assert Counter(row["label"] for row in rows) == {"positive": len(rows) // 2,
                                                     "negative": len(rows) // 2}
    normalised = [re.sub(r"[^a-z ]", "", row["text"].lower()).strip() for row in rows]
    assert len(set(normalised)) == len(rows), [t for t, n in Counter(normalised).items() if n > 1]


def test_the_data_set_is_varied_in_topic_and_wording_not_a_template():
    rows = rows_of(DATA)
    per_topic = Counter((row["topic"], row["label"]) for row in rows)
    topics = {topic for topic, _ in per_topic}
    assert len(topics) >= 10
    assert all(per_topic[topic, label] >= 15 for topic in topics for label in LABELS)
    openings = Counter(" ".join(row["text"].lower().split()[:3]) for row in rows)
    assert openings.most_common(1)[0][1] <= 4, openings.most_common(5)  # no shared frame
    words = Counter(word for row in rows for word in re.findall(r"[a-z']+", row["text"].lower()))
    assert len(words) > 1200  # a broad vocabulary: about 3 distinct words per sentence
    assert all(3 <= len(row["text"].split()) <= 20 for row in rows)  # short sentences


def test_split_sizes_balance_and_no_overlap():
    data = load_sentiment(DATA, seed=0)
    assert {name: len(split) for name, split in data.items()} == {
        "train": 336, "validation": 48, "test": 96}
    for split in data.values():
        assert Counter(split["label"])[0] == Counter(split["label"])[1]
    texts = [set(split["text"]) for split in data.values()]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    assert data["train"].features["label"].names == ["negative", "positive"]
    # every sentence keeps the label the file gives it: "positive" is id 1, "negative" id 0
    in_the_file = {row["text"]: row["label"] for row in rows_of(DATA)}
    for split in data.values():
        for text, label in zip(split["text"], split["label"], strict=True):
            assert label == {"negative": 0, "positive": 1}[in_the_file[text]], text


def test_the_split_is_fixed_by_the_seed():
    first, again = load_sentiment(DATA, seed=0), load_sentiment(DATA, seed=0)
    other = load_sentiment(DATA, seed=1)
    assert first["test"]["text"] == again["test"]["text"]
    assert first["test"]["text"] != other["test"]["text"]


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("content, message", [
    ("text,topic\nGreat,food\nAwful,food\n", r"has no column \['label'\]"),
    ("sentence,label\nGreat,positive\n", r"has no column \['text'\]"),
    ("text,label\nGreat,positive\nMeh,neutral\n", r"unknown labels \['neutral'\]"),
    ("text,label\n", "holds no rows: the training set would be empty"),
    ("", "holds no rows"),
    ("text,label\nGreat,positive\n,negative\n", r"rows without text: rows \[1\]"),
    # a missing label beside an unknown one: both listed, in the order of their text
    ("text,label\nGreat,positive\nMeh,neutral\nFine,\n", r"unknown labels \[None, 'neutral'\]"),
    # the first five blank rows, of six
    ("text,label\nGreat,positive\n" + ",negative\n" * 6,
     r"rows without text: rows \[1, 2, 3, 4, 5\] \(counting from 0\)$"),
])
def test_bad_files_raise_value_errors_naming_the_problem(tmp_path, content, message):
    path = write_csv(tmp_path, content)
    with pytest.raises(ValueError, match=message) as error:
        load_sentiment(path)
    assert str(error.value).startswith(f"{path} ")  # which file


def test_bad_fractions_raise():
    with pytest.raises(ValueError, match="must be > 0 and add up to less than 1"):
        load_sentiment(DATA, validation_fraction=0.5, test_fraction=0.5)
    for fractions in (dict(validation_fraction=0.0), dict(test_fraction=0.0)):
        with pytest.raises(ValueError, match="must be > 0 and add up to less than 1"):
            load_sentiment(DATA, **fractions)


def test_the_default_split_is_seed_0():
    default, seeded = load_sentiment(DATA), load_sentiment(DATA, seed=0)
    assert all(default[split]["text"] == seeded[split]["text"] for split in default)


def test_subsets_are_balanced_seeded_and_checked():
    train = load_sentiment(DATA)["train"]
    for size in (1, 2, 16, 65):
        subset = take_subset(train, size, seed=3)
        counts = Counter(subset["label"])
        assert len(subset) == size and abs(counts[0] - counts[1]) <= 1
    assert take_subset(train, 16, seed=3)["text"] == take_subset(train, 16, seed=3)["text"]
    assert take_subset(train, 16, seed=3)["text"] != take_subset(train, 16, seed=4)["text"]
    assert sorted(take_subset(train, len(train))["text"]) == sorted(train["text"])
    with pytest.raises(ValueError, match="between 1 and the 336 training examples, got 337"):
        take_subset(train, 337)
    with pytest.raises(ValueError, match="^the training set is empty$"):
        take_subset(Dataset.from_dict({"text": [], "label": []}), 4)
    skewed = Dataset.from_dict({"text": list("abcde"), "label": [0, 0, 0, 0, 1]})
    assert Counter(take_subset(skewed, 4)["label"]) == {0: 3, 1: 1}  # all it has of label 1
    # dealt like cards from label 0 up: an odd size gives label 0 the extra row
    assert Counter(take_subset(train, 5, seed=3)["label"]) == {0: 3, 1: 2}
    assert take_subset(train, 16)["text"] == take_subset(train, 16, seed=0)["text"]  # seed 0


def test_reverse_words_spells_every_word_backwards_and_keeps_rows_labels_and_splits():
    data = load_sentiment(DATA, seed=0)
    backwards = reverse_words(data)
    assert list(backwards) == ["train", "validation", "test"]
    for name, split in data.items():
        assert backwards[name]["label"] == split["label"]
        assert backwards[name]["topic"] == split["topic"]
        for text, reversed_text in zip(split["text"], backwards[name]["text"], strict=True):
            words, reversed_words = text.split(), reversed_text.split()
            assert [w[::-1] for w in reversed_words] == words
    first = data["train"]["text"][0].split()
    assert any(w != w[::-1] for w in first)  # the test sees a change, not palindromes only
    assert data["train"]["text"][0] != backwards["train"]["text"][0]
