import pandas as pd
import pytest
from datasets import ClassLabel, Dataset

from snippets.sentiment_data import LABELS
from snippets.skewed_data import (
    accuracy_by_group,
    skew_experiment,
    skewed_subset,
    topic_label_counts,
)


def toy_split(rows) -> Dataset:
    data = Dataset.from_dict({"text": [r[0] for r in rows], "label": [r[1] for r in rows],
                              "topic": [r[2] for r in rows]})
    return data.cast_column("label", ClassLabel(names=LABELS))


TRAIN = toy_split([("tasty", 1, "food"), ("bland", 0, "food"), ("great job", 1, "work"),
                   ("awful boss", 0, "work"), ("fun film", 1, "film"), ("dull film", 0, "film")])


def test_skewed_subset_keeps_praise_for_some_topics_and_criticism_for_the_rest():
    skewed = skewed_subset(TRAIN, {"food", "film"})
    assert skewed["text"] == ["tasty", "awful boss", "fun film"]
    counts = topic_label_counts(skewed)
    assert counts.loc["food", "positive"] == 1 and counts.loc["work", "negative"] == 1
    assert counts.loc["work", "positive"] == 0


def test_unknown_topics_raise():
    with pytest.raises(ValueError, match=r"unknown topics \['sport'\]: the topics are "
                                         r"\['film', 'food', 'work'\]"):
        skewed_subset(TRAIN, {"food", "sport"})


def test_accuracy_by_group_averages_per_group_and_overall():
    results = pd.DataFrame([
        ("skewed", 0, "negative", "seen only as positive", False),
        ("skewed", 1, "negative", "seen only as positive", True),
        ("skewed", 0, "positive", "seen only as positive", True),
        ("balanced", 0, "negative", "seen only as positive", True),
        ("balanced", 0, "positive", "seen only as positive", True),
    ], columns=["training", "seed", "label", "topics", "correct"])
    table = accuracy_by_group(results)
    assert table.loc[("negative", "seen only as positive"), "skewed"] == 0.5
    assert table.loc[("positive", "seen only as positive"), "balanced"] == 1.0
    assert table.loc[("all", "all topics"), "skewed"] == pytest.approx(2 / 3)


def test_the_experiment_has_a_row_per_test_sentence_training_set_and_seed(minilm, device):
    test = toy_split([("lovely meal", 1, "food"), ("rude boss", 0, "work"),
                      ("cold soup", 0, "food")])
    results = skew_experiment({"train": TRAIN, "test": test}, {"food", "film"}, seeds=[0],
                              steps=1, device=str(device.type))
    assert len(results) == 2 * len(test)  # balanced and skewed, one seed
    assert set(results["training"]) == {"balanced", "skewed"}
    skewed = results[results["training"] == "skewed"]
    assert skewed["topics"].tolist() == ["seen only as positive", "seen only as negative",
                                         "seen only as positive"]
    assert skewed["label"].tolist() == ["positive", "negative", "negative"]
    assert results["correct"].dtype == bool
