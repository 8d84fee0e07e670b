from pathlib import Path

import pandas as pd
import pytest
import torch
from datasets import ClassLabel, Dataset

from snippets.bias.skewed_data import (
    GROUPS,
    accuracy_by_group,
    balanced_subset,
    frozen_probe_experiment,
    mean_and_range,
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


AGREE = [("negative", "criticised", "agree"), ("positive", "praised", "agree")]
DISAGREE = [("negative", "praised", "disagree"), ("positive", "criticised", "disagree")]
POSITIVE_TOPICS = {"food", "film", "travel", "music", "books", "sport"}
TRAIN = toy_split([("tasty", 1, "food"), ("bland", 0, "food"), ("great job", 1, "work"),
                   ("awful boss", 0, "work"), ("fun film", 1, "film"), ("dull film", 0, "film")])


def test_skewed_subset_keeps_praise_for_some_topics_and_criticism_for_the_rest():
    skewed = skewed_subset(TRAIN, {"food", "film"})
    assert skewed["text"] == ["tasty", "awful boss", "fun film"]
    counts = topic_label_counts(skewed)
    assert counts.loc["food", "positive"] == 1 and counts.loc["work", "negative"] == 1
    assert counts.loc["work", "positive"] == 0


def test_a_balanced_subset_takes_as_many_of_each_topic_and_label_as_it_can():
    rows = [(f"{topic} {label} {i}", label, topic) for topic in ("food", "work", "film")
            for label in (0, 1) for i in range(3 if topic == "food" else 5)]
    train = toy_split(rows)
    for seed in (0, 1):
        subset = balanced_subset(train, 12, seed)
        assert topic_label_counts(subset).to_numpy().tolist() == [[2, 2]] * 3
    # food has 3 of each label: the other topics fill the rest
    counts = topic_label_counts(balanced_subset(train, 24, 0))
    assert counts.loc["food"].tolist() == [3, 3] and counts.loc["film"].tolist() == [5, 5]
    assert balanced_subset(train, 12, 0)["text"] != balanced_subset(train, 12, 1)["text"]
    with pytest.raises(ValueError, match="size must be between 1 and the 26"):
        balanced_subset(train, 27)


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
        ("skewed", 0, "negative", "praised", "disagree", False),
        ("skewed", 0, "negative", "praised", "disagree", False),
        ("skewed", 1, "negative", "praised", "disagree", True),
        ("skewed", 1, "negative", "praised", "disagree", False),
        ("skewed", 0, "positive", "praised", "agree", True),
        ("skewed", 1, "positive", "praised", "agree", True),
        ("balanced", 0, "negative", "praised", "disagree", True),
        ("balanced", 0, "positive", "praised", "agree", False),
    ], columns=["training", "seed", *GROUPS, "correct"])
    table = accuracy_by_group(results)
    cell = table.loc[("negative", "praised", "disagree")]
    assert (cell["skewed", "mean"], cell["skewed", "min"], cell["skewed", "max"]) == (
        0.25, 0.0, 0.5)  # seed 0: 0 of 2, seed 1: 1 of 2
    # overall: seed 0 gets 1 of 3 right, seed 1 2 of 3
    overall = table.loc[("all", "all", "")]
    assert overall["skewed", "min"] == pytest.approx(1 / 3)
    assert overall["skewed", "max"] == pytest.approx(2 / 3)
    assert overall["skewed", "mean"] == pytest.approx(0.5)
    assert overall["balanced", "mean"] == 0.5
    assert table.index[-1] == ("all", "all", "")
    shown = mean_and_range(table)
    assert shown.loc[("negative", "praised", "disagree"), "skewed"] == "0.25 (0.00-0.50)"
    assert shown.loc[("all", "all", ""), "balanced"] == "0.50 (0.50-0.50)"


def test_the_experiment_has_a_row_per_test_sentence_training_set_and_seed(minilm, device):
    test = toy_split([("lovely meal", 1, "food"), ("rude boss", 0, "work"),
                      ("cold soup", 0, "food")])
    results = skew_experiment({"train": TRAIN, "test": test}, {"food", "film"}, seeds=[0],
                              steps=1, device=str(device.type))
    assert len(results) == 2 * len(test)  # balanced and skewed, one seed
    assert set(results["training"]) == {"balanced", "skewed"}
    skewed = results[results["training"] == "skewed"]
    assert skewed["topics (in the skewed set)"].tolist() == ["praised", "criticised", "praised"]
    assert skewed["label"].tolist() == ["positive", "negative", "negative"]
    assert skewed["topic and label"].tolist() == ["agree", "agree", "disagree"]
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
    per_seed = lesson_results.pivot_table(index=GROUPS, columns=["training", "seed"],
                                          values="correct")
    overall = lesson_results.groupby(["training", "seed"])["correct"].mean()
    gap = overall["balanced"] - overall["skewed"]  # per seed
    assert (gap > 0).all() and 0.05 < gap.mean() < 0.15
    for group in AGREE:
        assert per_seed.loc[group, "skewed"].mean() > per_seed.loc[group, "balanced"].mean() - 0.05
    for group in DISAGREE:
        assert (per_seed.loc[group, "skewed"] < per_seed.loc[group, "balanced"]).all()
    first, second = (per_seed.loc[g, "balanced"].mean() - per_seed.loc[g, "skewed"].mean()
                     for g in DISAGREE)
    assert first > 0.2 and 0 < second < first
    sizes = lesson_results.groupby(["training", "seed", *GROUPS]).size()
    assert sizes.min() == 22 and sizes.max() == 26  # "22 to 26 sentences in each group"


def test_the_lessons_subsets_have_the_sizes_the_page_gives():
    """The page: the skewed set keeps 166 of the 336 training sentences; the balanced one
    of the same size favours no topic and label."""
    data = load_sentiment(Path(__file__).parents[2] / "data" / "sentiment.csv", seed=0)
    skewed = skewed_subset(data["train"], POSITIVE_TOPICS)
    assert (len(skewed), len(data["train"])) == (166, 336)
    for seed in (0, 1, 2):
        counts = topic_label_counts(balanced_subset(data["train"], len(skewed), seed))
        assert counts.to_numpy().sum() == 166 and counts.to_numpy().max() - counts.min().min() <= 1


@pytest.mark.slow
def test_the_balanced_model_is_skewed_the_same_way_in_every_seed(lesson_results):
    """The page: the balanced model too is less accurate where topic and label disagree than
    where they agree: its lowest "agree" score over the seeds is above its highest "disagree"
    one."""
    balanced = lesson_results[lesson_results["training"] == "balanced"].pivot_table(
        index=GROUPS, columns="seed", values="correct")
    assert balanced.loc[AGREE].min().min() > balanced.loc[DISAGREE].max().max()
    assert lesson_results[lesson_results["training"] == "balanced"]["correct"].mean() > 0.8


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
    assert results["topics (in the skewed set)"].tolist()[:3] == ["praised", "criticised",
                                                                  "praised"]
    assert results["correct"].dtype == bool
    with pytest.raises(ValueError, match="seeds is empty"):
        frozen_probe_experiment(model, tokenizer, {"train": TRAIN, "test": test}, {"food"}, [])


@pytest.mark.slow
def test_a_probe_on_frozen_minilm_is_skewed_like_the_balanced_model_for_praise(minilm, device):
    """The page: trained on balanced data, a linear layer on the pre-trained embeddings
    recognises praise less often for the criticised topics than for the praised ones, in
    every seed; for criticism the gap is within the spread over the seeds (the ranges
    overlap); the probe is weaker overall (below 0.8) than the fine-tuned model."""
    if device.type != "cpu":
        pytest.skip("claims about the page, which is built on the CPU")
    model, tokenizer = minilm
    data = load_sentiment(Path(__file__).parents[2] / "data" / "sentiment.csv", seed=0)
    results = frozen_probe_experiment(model, tokenizer, data, POSITIVE_TOPICS, seeds=[0, 1, 2])
    balanced = results[results["training"] == "balanced"]
    per_seed = balanced.pivot_table(index=GROUPS, columns="seed", values="correct")
    praise_agree, praise_disagree = (per_seed.loc[("positive", topics, agreement)]
                                     for topics, agreement in [("praised", "agree"),
                                                               ("criticised", "disagree")])
    assert (praise_disagree < praise_agree).all()
    assert praise_disagree.max() < praise_agree.min()
    criticism_agree = per_seed.loc[("negative", "criticised", "agree")]
    criticism_disagree = per_seed.loc[("negative", "praised", "disagree")]
    assert 0 < criticism_agree.mean() - criticism_disagree.mean() < 0.1
    assert criticism_disagree.max() >= criticism_agree.min()  # the ranges overlap
    assert balanced["correct"].mean() < 0.8
