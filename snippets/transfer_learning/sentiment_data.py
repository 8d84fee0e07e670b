"""The project's sentiment data set: a CSV of labelled sentences, loaded, checked and split."""

# --8<-- [start:checks]
import csv
from contextlib import contextmanager
from pathlib import Path

import datasets
from datasets import Dataset

LABELS = ["negative", "positive"]  # label id 0, label id 1
COLUMNS = ["text", "label"]


@contextmanager
def no_datasets_progress_bars():
    """Switch 🤗 Datasets' progress bars off for a moment (where they are on)."""
    were_disabled = datasets.utils.are_progress_bars_disabled()
    datasets.utils.disable_progress_bars()
    try:
        yield
    finally:
        if not were_disabled:
            datasets.utils.enable_progress_bars()


def check_file_has_rows(path: str | Path) -> None:
    """Raise ValueError if the CSV at `path` holds a header and no rows."""
    with open(path, newline="", encoding="utf-8") as file:
        if sum(1 for _ in csv.reader(file)) < 2:  # a header, then at least one row
            raise ValueError(f"{path} holds no rows: the training set would be empty")


def check_rows(data: Dataset, path: str | Path) -> None:
    """Raise ValueError for a missing column, an unknown label or a row without text."""
    missing = [column for column in COLUMNS if column not in data.column_names]
    if missing:
        raise ValueError(f"{path} has no column {missing}: it has {data.column_names}, "
                         f"and needs {COLUMNS}")
    unknown = sorted(set(data["label"]) - set(LABELS), key=str)
    if unknown:
        raise ValueError(f"{path} has unknown labels {unknown}: the labels are {LABELS}")
    blank = [i for i, text in enumerate(data["text"])
             if not isinstance(text, str) or not text.strip()]
    if blank:
        raise ValueError(f"{path} has rows without text: rows {blank[:5]} (counting from 0)")
# --8<-- [end:checks]


# --8<-- [start:load]
# Needs: transfer_learning/sentiment_data.py:checks
from pathlib import Path

from datasets import ClassLabel, DatasetDict, load_dataset


def load_sentiment(path: str | Path, seed: int = 0, validation_fraction: float = 0.1,
                   test_fraction: float = 0.2) -> DatasetDict:
    """Load a CSV of (text, label) rows and split it into train, validation and test."""
    if not (validation_fraction > 0 and test_fraction > 0
            and validation_fraction + test_fraction < 1):
        raise ValueError(f"validation_fraction ({validation_fraction}) and test_fraction "
                         f"({test_fraction}) must be > 0 and add up to less than 1")
    check_file_has_rows(path)
    with no_datasets_progress_bars():  # 480 rows take well under a second
        data = load_dataset("csv", data_files=str(path), split="train")
        check_rows(data, path)
        data = data.cast_column("label", ClassLabel(names=LABELS))  # "positive" -> 1
    # 1. hold out the test set; 2. split the rest into train and validation. Stratified:
    # every split keeps the balance of the labels.
    rest_test = data.train_test_split(test_size=test_fraction, seed=seed,
                                      stratify_by_column="label")
    train_validation = rest_test["train"].train_test_split(
        test_size=validation_fraction / (1 - test_fraction), seed=seed,
        stratify_by_column="label")
    return DatasetDict(train=train_validation["train"], validation=train_validation["test"],
                       test=rest_test["test"])
# --8<-- [end:load]


# --8<-- [start:subset]
from datasets import Dataset


def take_subset(train: Dataset, size: int, seed: int = 0) -> Dataset:
    """`size` training examples drawn with `seed`, as many of each label as possible."""
    if len(train) == 0:
        raise ValueError("the training set is empty")
    if not 1 <= size <= len(train):
        raise ValueError(f"size must be between 1 and the {len(train)} training examples, "
                         f"got {size}")
    shuffled = train.shuffle(seed=seed)
    rows_of = {label: [i for i, y in enumerate(shuffled["label"]) if y == label]
               for label in sorted(set(shuffled["label"]))}
    picked = []
    while len(picked) < size:  # deal one row of each label in turn, like cards
        for rows in rows_of.values():
            if rows and len(picked) < size:
                picked.append(rows.pop(0))
    return shuffled.select(sorted(picked))
# --8<-- [end:subset]


# --8<-- [start:reverse_words]
# Needs: transfer_learning/sentiment_data.py:checks
from datasets import DatasetDict


def reverse_words(data: DatasetDict) -> DatasetDict:
    """The same rows and labels, every word spelt backwards: "I liked it." -> "I dekil .ti"."""
    def reverse(row: dict) -> dict:
        return {"text": " ".join(word[::-1] for word in row["text"].split())}
    with no_datasets_progress_bars():  # 480 rows take well under a second
        return DatasetDict({split: rows.map(reverse, keep_in_memory=True)
                            for split, rows in data.items()})
# --8<-- [end:reverse_words]
