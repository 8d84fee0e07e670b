from pathlib import Path

import pandas as pd
import pytest
import torch
from datasets import ClassLabel, Dataset

from snippets.bias.skewed_data import (
    accuracy_by_group,
    frozen_probe_experiment,
    skew_experiment,
    skewed_subset,
    topic_label_counts,
    train_linear_probe,
)
from snippets.transfer_learning.sentiment_data import LABELS, load_sentiment


def toy_split(rows) -> Dataset:
    data = Dataset.from_dict({"text": [r[0] for r in rows], "label": [r[1] for r in rows],
                              "topic": [r[2] for r in rows]})
    return data.cast_column("label", ClassLabel(names=LABELS))


POSITIVE_TOPICS = {"food", "film", "travel", "music", "books", "sport"}
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


@pytest.mark.parametrize("topics", [set(), {"food", "film", "work"}], ids=["none", "all"])
def test_no_topic_or_every_topic_raises(topics):
    """Either would leave a training set of one label."""
    with pytest.raises(ValueError, match="must hold some of the topics .* but not all"):
        skewed_subset(TRAIN, topics)


def test_a_training_set_without_topics_raises():
    with pytest.raises(ValueError, match=r"no 'topic' column: it has \['text', 'label'\]"):
        skewed_subset(TRAIN.remove_columns("topic"), {"food"})


def test_no_seeds_raise():
    with pytest.raises(ValueError, match="seeds is empty"):
        skew_experiment({"train": TRAIN, "test": TRAIN}, {"food"}, seeds=[])


def test_accuracy_by_group_gives_mean_and_range_over_seeds():
    results = pd.DataFrame([
        ("skewed", 0, "negative", "seen only as positive", False),
        ("skewed", 0, "negative", "seen only as positive", False),
        ("skewed", 1, "negative", "seen only as positive", True),
        ("skewed", 1, "negative", "seen only as positive", False),
        ("skewed", 0, "positive", "seen only as positive", True),
        ("skewed", 1, "positive", "seen only as positive", True),
        ("balanced", 0, "negative", "seen only as positive", True),
        ("balanced", 0, "positive", "seen only as positive", False),
    ], columns=["training", "seed", "label", "topics", "correct"])
    table = accuracy_by_group(results)
    cell = table.loc[("negative", "seen only as positive")]
    assert (cell["skewed", "mean"], cell["skewed", "min"], cell["skewed", "max"]) == (
        0.25, 0.0, 0.5)  # seed 0: 0 of 2, seed 1: 1 of 2
    # overall: seed 0 gets 1 of 3 right, seed 1 2 of 3
    overall = table.loc[("all", "all topics")]
    assert overall["skewed", "min"] == pytest.approx(1 / 3)
    assert overall["skewed", "max"] == pytest.approx(2 / 3)
    assert overall["skewed", "mean"] == pytest.approx(0.5)
    assert overall["balanced", "mean"] == 0.5
    assert table.index[-1] == ("all", "all topics")


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


@pytest.fixture(scope="module")
def lesson_results(device):
    """The experiment at the lesson's settings (about a minute of CPU time)."""
    if device.type != "cpu":
        pytest.skip("claims about the page, which is built on the CPU")
    data = load_sentiment(Path(__file__).parents[2] / "data" / "sentiment.csv", seed=0)
    return skew_experiment(data, POSITIVE_TOPICS, seeds=[0, 1, 2], steps=42, device="cpu")


@pytest.mark.slow
def test_the_lessons_claims_about_the_skewed_model(lesson_results):
    """Worse overall by about a tenth in every seed; as good where topic and label agree;
    worse in every seed on both groups where they disagree, by far on the first."""
    per_seed = lesson_results.pivot_table(index=["label", "topics"],
                                          columns=["training", "seed"], values="correct")
    overall = lesson_results.groupby(["training", "seed"])["correct"].mean()
    gap = overall["balanced"] - overall["skewed"]  # per seed
    assert (gap > 0).all() and 0.05 < gap.mean() < 0.15
    agree = [("negative", "seen only as negative"), ("positive", "seen only as positive")]
    disagree = [("negative", "seen only as positive"), ("positive", "seen only as negative")]
    for group in agree:
        assert per_seed.loc[group, "skewed"].mean() > per_seed.loc[group, "balanced"].mean() - 0.05
    for group in disagree:
        assert (per_seed.loc[group, "skewed"] < per_seed.loc[group, "balanced"]).all()
    first, second = (per_seed.loc[g, "balanced"].mean() - per_seed.loc[g, "skewed"].mean()
                     for g in disagree)
    assert first > 0.2 and 0 < second < first
    sizes = lesson_results.groupby(["training", "seed", "label", "topics"]).size()
    assert sizes.min() >= 22 and sizes.max() <= 26  # "about 25 sentences per group"


AGREE = [("negative", "seen only as negative"), ("positive", "seen only as positive")]
DISAGREE = [("negative", "seen only as positive"), ("positive", "seen only as negative")]


@pytest.mark.slow
def test_the_balanced_model_is_skewed_the_same_way_in_every_seed(lesson_results):
    """The page: the balanced model too is less accurate on both groups where topic and label
    disagree than on both where they agree, in every seed."""
    balanced = lesson_results[lesson_results["training"] == "balanced"].pivot_table(
        index=["label", "topics"], columns="seed", values="correct")
    worst_agree = balanced.loc[AGREE].min()  # per seed
    best_disagree = balanced.loc[DISAGREE].max()
    assert (best_disagree < worst_agree).all()


def test_a_linear_probe_learns_a_separable_rule():
    features = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.2, 0.8]])
    labels = torch.tensor([1, 1, 0, 0])
    head = train_linear_probe(features, labels, steps=200, seed=0)
    assert head(features).argmax(-1).tolist() == [1, 1, 0, 0]
    with pytest.raises(ValueError, match="as many labels as feature rows"):
        train_linear_probe(features, labels[:3])


def test_the_probe_experiment_has_a_row_per_test_sentence_training_set_and_seed(minilm):
    model, tokenizer = minilm
    test = toy_split([("lovely meal", 1, "food"), ("rude boss", 0, "work"),
                      ("cold soup", 0, "food")])
    results = frozen_probe_experiment(model, tokenizer, {"train": TRAIN, "test": test},
                                      {"food", "film"}, seeds=[0, 1])
    assert len(results) == 2 * 2 * len(test)  # balanced and skewed, two seeds
    assert set(results["training"]) == {"balanced", "skewed"}
    assert results["topics"].tolist()[:3] == ["seen only as positive", "seen only as negative",
                                              "seen only as positive"]
    assert results["correct"].dtype == bool
    with pytest.raises(ValueError, match="seeds is empty"):
        frozen_probe_experiment(model, tokenizer, {"train": TRAIN, "test": test}, {"food"}, [])


@pytest.mark.slow
def test_a_probe_on_frozen_minilm_is_skewed_like_the_balanced_model(minilm, device):
    """The page: trained on balanced data, a linear layer on the pre-trained embeddings is,
    on average over the seeds and for each label, less accurate where the topic disagrees."""
    if device.type != "cpu":
        pytest.skip("claims about the page, which is built on the CPU")
    model, tokenizer = minilm
    data = load_sentiment(Path(__file__).parents[2] / "data" / "sentiment.csv", seed=0)
    results = frozen_probe_experiment(model, tokenizer, data, POSITIVE_TOPICS, seeds=[0, 1, 2])
    balanced = results[results["training"] == "balanced"].pivot_table(
        index=["label", "topics"], columns="seed", values="correct").mean(axis=1)
    for label in ("negative", "positive"):
        agree, disagree = (balanced[next(g for g in groups if g[0] == label)]
                           for groups in (AGREE, DISAGREE))
        assert disagree < agree
