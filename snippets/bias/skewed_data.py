"""Garbage in, garbage out: a classifier fine-tuned on a deliberately skewed training set."""

# Shown in lessons by their own sections:
from snippets.bias.weat import embed
from snippets.checks import require
from snippets.transfer_learning.finetuning import fine_tune, load_classifier, predict
from snippets.transfer_learning.sentiment_data import LABELS

# --8<-- [start:skewed_subset]
# Needs: checks.py:require, transfer_learning/sentiment_data.py:checks
import pandas as pd
from datasets import Dataset


def skewed_subset(train: Dataset, positive_topics: set[str]) -> Dataset:
    """Only the positive sentences about `positive_topics` and the negative ones about the
    other topics: a training set in which the topic gives the label away."""
    require("topic" in train.column_names,
            f"the training set has no 'topic' column: it has {train.column_names}")
    topics = sorted(set(train["topic"]))
    unknown = set(positive_topics) - set(topics)
    require(not unknown, f"unknown topics {sorted(unknown)}: the topics are {topics}")
    require(positive_topics and set(positive_topics) != set(topics),
            f"positive_topics must hold some of the topics {topics} but not all, "
            f"got {sorted(positive_topics)}: else one label would be left")
    keep = [i for i, (label, topic) in enumerate(zip(train["label"], train["topic"], strict=True))
            if (LABELS[label] == "positive") == (topic in positive_topics)]
    return train.select(keep)


def topic_label_counts(dataset: Dataset) -> pd.DataFrame:
    """How many sentences of each label the dataset holds, per topic."""
    return pd.crosstab(pd.Series(dataset["topic"], name="topic"),
                       pd.Series([LABELS[y] for y in dataset["label"]], name="label"))


def balanced_subset(train: Dataset, size: int, seed: int = 0) -> Dataset:
    """`size` training sentences drawn with `seed`, as many of each topic and label pair as
    possible: neither the label nor any topic-label pair is favoured."""
    require(1 <= size <= len(train), f"size must be between 1 and the {len(train)} training "
            f"sentences, got {size}")
    shuffled = train.shuffle(seed=seed)
    rows_of = {}  # (topic, label) -> its rows, in shuffled order
    for i, pair in enumerate(zip(shuffled["topic"], shuffled["label"], strict=True)):
        rows_of.setdefault(pair, []).append(i)
    cells = [rows_of[pair] for pair in sorted(rows_of)]
    picked = []
    while len(picked) < size:  # deal one row of each pair in turn, like cards
        for rows in cells:
            if rows and len(picked) < size:
                picked.append(rows.pop(0))
    return shuffled.select(sorted(picked))
# --8<-- [end:skewed_subset]


# --8<-- [start:experiment]
# Needs: checks.py:require
# Needs: bias/skewed_data.py:skewed_subset, transfer_learning/finetuning.py:classifier
# Needs: transfer_learning/finetuning.py:trainer
# Needs: transfer_learning/finetuning.py:accuracy
import pandas as pd
from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it

GROUPS = ["label", "topics (in the skewed set)", "topic and label"]  # a test sentence's group


def group_of(label: int, topic: str, positive_topics: set[str]) -> dict[str, str]:
    """A test sentence's group: its label, whether the skewed set praises or criticises its
    topic, and whether that agrees with the label."""
    praised = topic in positive_topics
    return {"label": LABELS[label],
            "topics (in the skewed set)": "praised" if praised else "criticised",
            "topic and label": "agree" if praised == (LABELS[label] == "positive")
                               else "disagree"}


def skew_experiment(data, positive_topics: set[str], seeds: list[int], steps: int = 42,
                    learning_rate: float = 1e-4, device=None) -> pd.DataFrame:
    """Fine-tune on the skewed subset and on a balanced one of the same size; one row per
    test sentence, training set and seed, saying whether the prediction was right."""
    require(seeds, "seeds is empty: train at least once")
    skewed = skewed_subset(data["train"], positive_topics)  # the same for every seed
    test = data["test"]
    rows = []
    for seed in tqdm(seeds, desc="seeds"):
        balanced = balanced_subset(data["train"], len(skewed), seed)  # a new draw per seed
        for name, train in [("balanced", balanced), ("skewed", skewed)]:
            model, tokenizer = load_classifier(pretrained=True, seed=seed, device=device)
            fine_tune(model, tokenizer, train, steps, learning_rate=learning_rate, seed=seed,
                      progress_bar=False)  # the seed draws the new head and the batch order
            for label, topic, prediction in zip(test["label"], test["topic"],
                                                predict(model, tokenizer, test), strict=True):
                rows.append(dict(training=name, seed=seed,
                                 **group_of(label, topic, positive_topics),
                                 correct=prediction == label))
    return pd.DataFrame(rows)


def accuracy_by_group(results: pd.DataFrame) -> pd.DataFrame:
    """Test accuracy by label and topic group, and overall: mean, min and max over seeds."""
    per_seed = results.pivot_table(index=GROUPS, values="correct",
                                   columns=["training", "seed"], aggfunc="mean")
    overall = results.groupby(["training", "seed"])["correct"].mean()
    per_seed.loc[("all", "all", ""), :] = overall
    table = pd.DataFrame({(training, stat): per_seed[training].agg(stat, axis=1)
                          for training in per_seed.columns.unique("training")
                          for stat in ("mean", "min", "max")})  # over the seeds
    return table.rename_axis(columns=["training", "over seeds"])


def mean_and_range(table: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """accuracy_by_group's table with one cell per training set: "mean (min-max)"."""
    return pd.DataFrame({training: [f"{m:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"
                                    for m, lo, hi in table[training][["mean", "min", "max"]]
                                    .itertuples(index=False)]
                         for training in table.columns.unique("training")},
                        index=table.index).rename_axis(columns="accuracy, mean (min-max)")
# --8<-- [end:experiment]


# --8<-- [start:frozen_probe]
# Needs: checks.py:require
# Needs: bias/skewed_data.py:skewed_subset, bias/skewed_data.py:experiment, bias/weat.py:embed
import pandas as pd
import torch


def train_linear_probe(features: torch.Tensor, labels: torch.Tensor, steps: int = 300,
                       learning_rate: float = 0.05, seed: int = 0) -> torch.nn.Linear:
    """Logistic regression on frozen features: one linear layer, full-batch Adam."""
    require(len(features) == len(labels) > 0, "need as many labels as feature rows, at least "
            f"one; got {len(labels)} and {len(features)}")
    torch.manual_seed(seed)  # the layer's initial weights
    head = torch.nn.Linear(features.shape[1], 2).to(features.device)
    optimizer = torch.optim.Adam(head.parameters(), lr=learning_rate)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(head(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return head


def frozen_probe_experiment(encoder, tokenizer, data, positive_topics: set[str],
                            seeds: list[int]) -> pd.DataFrame:
    """As skew_experiment, but MiniLM stays as pre-trained: only a linear layer on its
    sentence embeddings learns, from the skewed subset and from a balanced one."""
    require(seeds, "seeds is empty: train at least once")
    skewed = skewed_subset(data["train"], positive_topics)
    test = data["test"]
    test_features = embed(encoder, tokenizer, list(test["text"]))  # (num_test, hidden_size)
    rows = []
    for seed in seeds:
        balanced = balanced_subset(data["train"], len(skewed), seed)  # skew_experiment's
        for name, train in [("balanced", balanced), ("skewed", skewed)]:
            labels = torch.tensor(list(train["label"]), device=test_features.device)
            head = train_linear_probe(embed(encoder, tokenizer, list(train["text"])), labels,
                                      seed=seed)
            with torch.no_grad():
                predictions = head(test_features).argmax(-1).tolist()
            for label, topic, prediction in zip(test["label"], test["topic"], predictions,
                                                strict=True):
                rows.append(dict(training=name, seed=seed,
                                 **group_of(label, topic, positive_topics),
                                 correct=prediction == label))
    return pd.DataFrame(rows)
# --8<-- [end:frozen_probe]
