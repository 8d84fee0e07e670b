import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from transformers import BertForSequenceClassification  # noqa: E402

from snippets.finetuning import (  # noqa: E402
    accuracy,
    fine_tune,
    learning_curve,
    load_classifier,
    majority_baseline,
    make_collate,
    plot_learning_curve,
    summarise,
)
from snippets.random_models import random_model  # noqa: E402


@pytest.fixture(scope="module")
def minilm_tokenizer(minilm):
    return minilm[1]


def easy_split(num_rows: int, seed: int) -> Dataset:
    """Sentences that hold "wonderful" (label 1) or "terrible" (label 0) among filler words."""
    rng = np.random.default_rng(seed)
    filler = "the a film day meal trip book class song room was it our very quite".split()
    rows = {"text": [], "label": []}
    for i in range(num_rows):
        label = i % 2
        words = list(rng.choice(filler, size=5)) + ["wonderful" if label else "terrible"]
        rng.shuffle(words)
        rows["text"].append(" ".join(words))
        rows["label"].append(label)
    return Dataset.from_dict(rows)


def tiny_classifier(device, seed=0, **overrides):
    """A 2-layer BERT classifier with random weights and no dropout."""
    return random_model(BertForSequenceClassification, seed=seed, device=str(device.type),
                        num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        **overrides)


def test_collate_pads_a_batch_and_keeps_the_labels(minilm_tokenizer):
    rows = [{"text": "a short one", "label": 1}, {"text": "a somewhat longer sentence here",
                                                  "label": 0}]
    batch = make_collate(minilm_tokenizer)(rows)
    assert batch["input_ids"].shape == batch["attention_mask"].shape == (2, 7)
    assert batch["attention_mask"].sum(1).tolist() == [5, 7]
    assert batch["labels"].tolist() == [1, 0]
    long = make_collate(minilm_tokenizer, max_length=4)([{"text": "one two three four five",
                                                          "label": 0}])
    assert long["input_ids"].shape == (1, 4)


def test_trainer_fine_tuning_learns_an_easy_split(minilm_tokenizer, device):
    model = tiny_classifier(device)
    train, test = easy_split(64, seed=0), easy_split(32, seed=1)
    assert accuracy(model, minilm_tokenizer, test) < 0.8  # random weights: no better than luck
    fine_tune(model, minilm_tokenizer, train, steps=40, batch_size=8, learning_rate=1e-3,
              progress_bar=False)
    assert model.device.type == device.type  # Trainer kept it there (CUDA under tests_gpu)
    assert accuracy(model, minilm_tokenizer, test) >= 0.9


def test_accuracy_equals_the_trainers_own_predictions(minilm_tokenizer, device):
    model = tiny_classifier(device, seed=1)
    train, test = easy_split(32, seed=2), easy_split(40, seed=3)
    trainer = fine_tune(model, minilm_tokenizer, train, steps=5, learning_rate=1e-3,
                        progress_bar=False)
    predictions = trainer.predict(test)
    expected = float((predictions.predictions.argmax(-1) == predictions.label_ids).mean())
    assert accuracy(model, minilm_tokenizer, test, batch_size=16) == pytest.approx(expected)


def test_fine_tune_rejects_an_empty_training_set_and_no_steps(minilm_tokenizer, device):
    model = tiny_classifier(device)
    with pytest.raises(ValueError, match="the training set is empty"):
        fine_tune(model, minilm_tokenizer, easy_split(0, seed=0))
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        fine_tune(model, minilm_tokenizer, easy_split(8, seed=0), steps=0)
    with pytest.raises(ValueError, match="the dataset is empty"):
        accuracy(model, minilm_tokenizer, easy_split(0, seed=0))


def test_pretrained_classifier_keeps_minilms_weights_and_names_its_labels(minilm, device):
    encoder, _ = minilm
    pretrained, _ = load_classifier(pretrained=True, seed=0, device=str(device.type))
    scratch, _ = load_classifier(pretrained=False, seed=0, device=str(device.type))
    weight = "encoder.layer.3.attention.self.query.weight"
    torch.testing.assert_close(pretrained.bert.state_dict()[weight], encoder.state_dict()[weight])
    assert not torch.allclose(scratch.bert.state_dict()[weight], encoder.state_dict()[weight])
    assert pretrained.config.id2label == scratch.config.id2label == {0: "negative",
                                                                     1: "positive"}
    assert pretrained.classifier.weight.shape == (2, 384)
    again, _ = load_classifier(pretrained=False, seed=0, device=str(device.type))
    torch.testing.assert_close(again.classifier.weight, scratch.classifier.weight)  # seeded


def test_majority_baseline_by_hand():
    train = Dataset.from_dict({"label": [1, 1, 0]})
    test = Dataset.from_dict({"label": [1, 0, 0, 0]})
    assert majority_baseline(train, test) == 0.25


def test_learning_curve_rejects_sizes_larger_than_the_data():
    data = {"train": easy_split(10, seed=0), "test": easy_split(4, seed=1)}
    with pytest.raises(ValueError, match=r"training sizes \[11, 20\] are larger than the 10"):
        learning_curve(data, [4, 11, 20], seeds=[0])


def fake_results() -> pd.DataFrame:
    rows = [("pretrained", 16, 0, 0.6), ("pretrained", 16, 1, 0.7), ("pretrained", 16, 2, 0.8),
            ("random", 16, 0, 0.5), ("random", 16, 1, 0.5), ("random", 16, 2, 0.5),
            ("pretrained", 64, 0, 0.9), ("pretrained", 64, 1, 0.9), ("pretrained", 64, 2, 0.9),
            ("random", 64, 0, 0.4), ("random", 64, 1, 0.5), ("random", 64, 2, 0.6)]
    return pd.DataFrame(rows, columns=["start", "size", "seed", "accuracy"])


def test_summary_has_mean_and_spread_per_size_and_start():
    table = summarise(fake_results())
    assert table.loc[16, ("pretrained", "mean")] == pytest.approx(0.7)
    assert table.loc[16, ("pretrained", "std")] == pytest.approx(0.1)  # sample std, n - 1
    assert table.loc[64, ("random", "min")] == 0.4 and table.loc[64, ("random", "max")] == 0.6
    assert table.loc[64, ("pretrained", "std")] == pytest.approx(0.0)


def test_plot_draws_a_mean_line_per_start_and_the_baseline():
    _, ax = plt.subplots()
    ax = plot_learning_curve(fake_results(), baseline=0.5, ax=ax)
    lines = ax.get_lines()
    assert [list(line.get_ydata()) for line in lines[:2]] == [pytest.approx([0.7, 0.9]),
                                                             pytest.approx([0.5, 0.5])]
    assert list(lines[2].get_ydata()) == [0.5, 0.5]  # the baseline
