import re
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from tqdm import tqdm  # noqa: E402
from transformers import BertForSequenceClassification  # noqa: E402

import snippets.transfer_learning.finetuning as finetuning  # noqa: E402
from snippets.random_models import random_model  # noqa: E402
from snippets.transfer_learning.finetuning import (  # noqa: E402
    KeepBest,
    accuracy,
    best_evaluation,
    best_learning_rates,
    compare_learning_rates,
    fine_tune,
    fine_tune_run,
    learning_curve,
    load_classifier,
    majority_baseline,
    make_collate,
    plot_learning_curve,
    predict,
    rank_learning_rates,
    summarise,
)


@pytest.fixture(scope="module")
def minilm_tokenizer(minilm):
    return minilm[1]


@pytest.fixture
def drawn_bars(monkeypatch, capsys):
    """finetuning's progress bars drawn whatever TQDM_DISABLE says; call the returned function
    for the lines drawn since the last call (one per refresh of a bar)."""
    monkeypatch.setattr(finetuning, "tqdm", partial(tqdm, disable=False))
    return lambda: [line for line in re.split(r"[\r\n]", capsys.readouterr().err)
                    if line.strip()]


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
    """A 2-layer BERT classifier with random weights and, unless overridden, no dropout."""
    settings = dict(num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return random_model(BertForSequenceClassification, seed=seed, device=str(device.type),
                        **{**settings, **overrides})


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
    by_default = make_collate(minilm_tokenizer)([{"text": "word " * 50, "label": 0}])
    assert by_default["input_ids"].shape == (1, 32)


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


def test_predict_switches_dropout_off_whatever_mode_the_model_is_in(minilm_tokenizer, device):
    """A model left in training mode (as Trainer leaves it) with heavy dropout: predict gives
    the same labels as the model in eval mode, twice over."""
    model = tiny_classifier(device, seed=2, hidden_dropout_prob=0.5)
    test = easy_split(48, seed=4)
    model.eval()
    expected = predict(model, minilm_tokenizer, test)
    model.train()
    torch.manual_seed(0)
    assert predict(model, minilm_tokenizer, test) == expected
    assert not model.training


def test_the_progress_bar_counts_the_training_steps(minilm_tokenizer, device, drawn_bars):
    trainer = fine_tune(tiny_classifier(device), minilm_tokenizer, easy_split(8, seed=0),
                        steps=3, batch_size=4)
    drawn = drawn_bars()
    assert drawn[-1].startswith("training: 100%") and "| 3/3 [" in drawn[-1], drawn
    assert all(line.startswith("training: ") for line in drawn), drawn  # not Trainer's own
    assert trainer.state.train_batch_size == 4


def test_fine_tune_by_default_takes_30_steps_of_8_at_1e_4_with_seed_0_and_norm_1(
        minilm_tokenizer, device, drawn_bars):
    train = easy_split(40, seed=7)
    trained = {}
    for name, settings in [("default", {}), ("explicit", dict(
            steps=30, batch_size=8, learning_rate=1e-4, seed=0, max_grad_norm=1.0,
            progress_bar=False)), ("seed 1", dict(seed=1, progress_bar=False))]:
        model = tiny_classifier(device, seed=3, initializer_range=0.5)  # the same start
        trainer = fine_tune(model, minilm_tokenizer, train, **settings)
        trained[name] = model.state_dict()
        if name == "default":
            assert "| 30/30 [" in drawn_bars()[-1]  # a bar
            assert trainer.state.train_batch_size == 8
            losses = [log["step"] for log in trainer.state.log_history if "loss" in log]
            assert losses == [5, 10, 15, 20, 25, 30]  # logged every 5 steps
    for weight, default in trained["default"].items():
        torch.testing.assert_close(default, trained["explicit"][weight])
    assert not all(torch.equal(default, trained["seed 1"][weight])  # the seed orders batches
                   for weight, default in trained["default"].items())


def test_fine_tune_rejects_an_empty_training_set_and_no_steps(minilm_tokenizer, device):
    model = tiny_classifier(device)
    with pytest.raises(ValueError, match="^the training set is empty$"):
        fine_tune(model, minilm_tokenizer, easy_split(0, seed=0))
    train, validation = easy_split(8, seed=0), easy_split(4, seed=1)
    for eval_steps in (0, 3):
        with pytest.raises(ValueError, match=(
                r"^eval_steps must be between 1 and steps \(2\) when a validation set is "
                rf"given, got {eval_steps}$")):
            fine_tune(model, minilm_tokenizer, train, steps=2, validation=validation,
                      eval_steps=eval_steps)
    for eval_steps, evaluated in [(1, [1, 2]), (2, [2])]:  # both ends allowed
        trainer = fine_tune(model, minilm_tokenizer, train, steps=2, validation=validation,
                            eval_steps=eval_steps, progress_bar=False)
        history = trainer.state.log_history
        assert [log["step"] for log in history if "eval_accuracy" in log] == evaluated
        assert [log["step"] for log in history if "loss" in log] == evaluated  # logged too
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
    assert pretrained.config.label2id == scratch.config.label2id == {"negative": 0,
                                                                     "positive": 1}
    assert pretrained.classifier.weight.shape == (2, 384)
    again, _ = load_classifier(pretrained=False, seed=0, device=str(device.type))
    torch.testing.assert_close(again.classifier.weight, scratch.classifier.weight)  # seeded
    by_default, _ = load_classifier(pretrained=False, device=str(device.type))  # seed 0
    torch.testing.assert_close(by_default.classifier.weight, scratch.classifier.weight)


def test_a_classifier_goes_to_the_device_asked_for_not_the_environments(monkeypatch, device):
    monkeypatch.setenv("LLM_COURSE_DEVICE", "cpu" if device.type == "cuda" else "cuda")
    model, _ = load_classifier(pretrained=False, device=str(device.type))
    assert model.device.type == device.type


def test_fine_tune_with_a_validation_set_ends_on_the_best_scoring_weights(minilm_tokenizer,
                                                                         device):
    model = tiny_classifier(device, seed=2, initializer_range=0.3)  # large weights: quick
    validation = easy_split(24, seed=6)
    # labels the other way round: the longer it trains, the worse it does on validation
    train = easy_split(32, seed=5).map(lambda row: {"label": 1 - row["label"]})
    trainer = fine_tune(model, minilm_tokenizer, train, steps=12, batch_size=8,
                        learning_rate=1e-3, validation=validation, eval_steps=4,
                        progress_bar=False)
    evaluations = [log for log in trainer.state.log_history if "eval_accuracy" in log]
    assert [log["step"] for log in evaluations] == [4, 8, 12]
    best = best_evaluation(trainer)
    assert best["eval_accuracy"] == max(log["eval_accuracy"] for log in evaluations)
    assert best["step"] < 12  # not the last step: fine_tune went back to earlier weights
    # the weights it kept score, by our own code, what Trainer logged at that step
    assert accuracy(model, minilm_tokenizer, validation) == pytest.approx(best["eval_accuracy"])
    with torch.no_grad():
        batch = make_collate(minilm_tokenizer)(list(validation)).to(model.device)
        assert model.eval()(**batch).loss.item() == pytest.approx(best["eval_loss"], rel=1e-5)
    with pytest.raises(ValueError, match=r"eval_steps must be between 1 and steps \(12\)"):
        fine_tune(model, minilm_tokenizer, train, steps=12, validation=validation)


def test_keep_best_keeps_the_highest_accuracy_then_the_lowest_loss_then_the_earliest():
    model = torch.nn.Linear(1, 1, bias=False)
    keep = KeepBest()
    state = type("State", (), {})()
    for step, (accuracy_, loss) in enumerate([(0.5, 0.7), (0.75, 0.6), (0.75, 0.5), (0.75, 0.5),
                                              (0.6, 0.1)], start=1):
        model.weight.data.fill_(step)
        state.global_step = step
        keep.on_evaluate(None, state, None, metrics={"eval_accuracy": accuracy_,
                                                     "eval_loss": loss}, model=model)
    assert keep.step == 3 and keep.weights["weight"].item() == 3


def test_majority_baseline_by_hand():
    train = Dataset.from_dict({"label": [1, 1, 0]})
    test = Dataset.from_dict({"label": [1, 0, 0, 0]})
    assert majority_baseline(train, test) == 0.25
    tie = Dataset.from_dict({"label": [1, 0, 1, 0]})  # a tie goes to the smaller label id
    assert majority_baseline(tie, test) == 0.75


def test_learning_curve_rejects_sizes_larger_than_the_data_and_unknown_starts():
    data = {"train": easy_split(10, seed=0), "test": easy_split(4, seed=1)}
    with pytest.raises(ValueError, match=r"training sizes \[11, 20\] are larger than the 10"):
        learning_curve(data, [4, 11, 20], seeds=[0], learning_rates={"random": 1e-4}, steps=2,
                       eval_steps=1)
    with pytest.raises(ValueError, match=r"unknown starts \['scratch'\]"):
        learning_curve(data, [4], seeds=[0], learning_rates={"scratch": 1e-4}, steps=2,
                       eval_steps=1)
    with pytest.raises(ValueError, match=r"unknown start 'scratch'"):
        fine_tune_run(data, "scratch", 4, 0, 1e-4, steps=2, eval_steps=1)


@pytest.fixture
def fake_training(monkeypatch):
    """fine_tune replaced by a fake that records its calls; the model predicts 1 (checkpoint)
    or 0 (random weights) for every sentence."""
    calls = []

    class FakeModel:
        def __init__(self, pretrained, seed, device):
            self.pretrained, self.seed, self.device = pretrained, seed, device

    def fake_fine_tune(model, tokenizer, train, steps, **kwargs):
        calls.append(dict(pretrained=model.pretrained, model_seed=model.seed,
                          device=model.device, tokenizer=tokenizer, texts=train["text"],
                          steps=steps, **kwargs))
        state = type("State", (), {"best_global_step": 3, "log_history": [
            {"loss": 0.6, "step": 3}, {"eval_accuracy": 0.5, "eval_loss": 0.7, "step": 3},
            {"loss": 0.5, "step": 6}, {"eval_accuracy": 0.25, "eval_loss": 0.9, "step": 6},
            {"loss": 0.4, "step": 9}, {"eval_accuracy": 0.25, "eval_loss": 0.95, "step": 9}]})
        return type("FakeTrainer", (), {"state": state})()

    def fake_predict(model, tokenizer, test):
        assert tokenizer == "the tokenizer"  # the one loaded with the model
        return [int(model.pretrained)] * len(test)

    monkeypatch.setattr(finetuning, "load_classifier", lambda pretrained, seed, device: (
        FakeModel(pretrained, seed, device), "the tokenizer"))
    monkeypatch.setattr(finetuning, "fine_tune", fake_fine_tune)
    monkeypatch.setattr(finetuning, "predict", fake_predict)
    return calls


FAKE_DATA = {"train": easy_split(40, seed=0), "validation": easy_split(6, seed=1),
             "test": easy_split(4, seed=2)}


def test_learning_curve_trains_every_start_on_the_same_subset_with_its_own_rate(fake_training):
    """The comparison is fair: for each size and seed, both starts get the same rows, steps,
    seed and validation set; only the start and its learning rate differ."""
    rates = {"pretrained": 1e-4, "random": 3e-4}
    results = learning_curve(FAKE_DATA, [4, 16], [0, 1, 2], rates, steps=6, eval_steps=3)
    calls = fake_training
    assert len(results) == len(calls) == 2 * 2 * 3
    for size in (4, 16):
        for seed in (0, 1, 2):
            runs = [c for c in calls if len(c["texts"]) == size and c["seed"] == seed]
            pretrained, random = sorted(runs, key=lambda c: not c["pretrained"])
            assert pretrained["texts"] == random["texts"]
            assert pretrained["steps"] == random["steps"] == 6
            assert pretrained["eval_steps"] == random["eval_steps"] == 3
            assert pretrained["validation"] is random["validation"] is FAKE_DATA["validation"]
            assert (pretrained["learning_rate"], random["learning_rate"]) == (1e-4, 3e-4)
    assert len({tuple(c["texts"]) for c in calls if len(c["texts"]) == 16}) == 3  # by seed
    # easy_split labels alternate 0, 1: one label for every sentence is right half the time
    assert results.groupby("start")["accuracy"].mean().to_dict() == {"pretrained": 0.5,
                                                                      "random": 0.5}
    assert results.groupby("start")["answers_positive"].mean().to_dict() == {
        "pretrained": 1.0, "random": 0.0}
    first = results.iloc[0]  # the scores of the step fine_tune kept, not of the last one
    assert (first["step"], first["validation_accuracy"], first["validation_loss"],
            first["final_training_loss"]) == (3, 0.5, 0.7, 0.4)


def test_a_run_trains_its_seeded_start_where_asked_and_scores_the_test_set(fake_training):
    test = Dataset.from_dict({"text": ["a", "b", "c", "d"], "label": [1, 1, 1, 0]})
    run = fine_tune_run({**FAKE_DATA, "test": test}, "pretrained", 4, seed=5,
                        learning_rate=1e-4, steps=9, eval_steps=3, device="meta",
                        batch_size=4)
    (call,) = fake_training
    assert (call["model_seed"], call["seed"], call["device"], call["tokenizer"]) == (
        5, 5, "meta", "the tokenizer")
    assert call["batch_size"] == 4 and not call["progress_bar"]  # no bar inside a sweep
    # the checkpoint's fake answers "positive" for all four: three are right
    assert (run["accuracy"], run["answers_positive"], run["batch_size"]) == (0.75, 1.0, 4)
    assert run["final_training_loss"] == 0.4  # the last logged, not the kept step's


def test_a_run_refuses_predictions_that_do_not_cover_the_test_set(fake_training,
                                                                   monkeypatch):
    monkeypatch.setattr(finetuning, "predict", lambda model, tokenizer, test: [1] * 3)
    with pytest.raises(ValueError, match="zip"):
        fine_tune_run(FAKE_DATA, "random", 4, seed=0, learning_rate=1e-4, steps=6,
                      eval_steps=3)


def test_the_sweeps_train_on_the_device_asked_and_draw_their_progress_bars(
        fake_training, drawn_bars):
    compare_learning_rates(FAKE_DATA, [1e-4], seeds=[0, 1], steps=6, eval_steps=3,
                           device="meta")
    assert drawn_bars()[-1].startswith("learning rates: 100%|")
    learning_curve(FAKE_DATA, [4], [0], {"random": 1e-4}, steps=6, eval_steps=3,
                   device="meta")
    assert drawn_bars()[-1].startswith("fine-tuning runs: 100%|")
    assert [call["device"] for call in fake_training] == ["meta"] * 5


def test_learning_curve_reuses_the_runs_it_is_given(fake_training):
    rates = {"pretrained": 1e-4, "random": 3e-4}
    grid = compare_learning_rates(FAKE_DATA, [1e-4, 3e-4], seeds=[0, 1], steps=6, eval_steps=3)
    assert len(grid) == len(fake_training) == 2 * 2 * 2
    assert {len(call["texts"]) for call in fake_training} == {40}  # the whole training set
    fake_training.clear()
    results = learning_curve(FAKE_DATA, [8, 40], [0, 1, 2], rates, steps=6, eval_steps=3,
                             done=grid)
    assert len(results) == 2 * 2 * 3
    # size 40, seeds 0 and 1, at each start's own rate, came from the grid: 4 runs saved
    assert len(fake_training) == 2 * 2 * 3 - 4
    assert not [c for c in fake_training if len(c["texts"]) == 40 and c["seed"] in (0, 1)]
    learning_curve(FAKE_DATA, [40], [0], rates, steps=12, eval_steps=3, done=grid)
    assert len(fake_training) == 2 * 2 * 3 - 4 + 2  # other steps: not the same run
    learning_curve(FAKE_DATA, [40], [0], rates, steps=6, eval_steps=2, done=grid)
    assert len(fake_training) == 2 * 2 * 3 - 4 + 4  # validated at other steps: not the same
    learning_curve(FAKE_DATA, [40], [0], rates, steps=6, eval_steps=3, batch_size=4, done=grid)
    assert len(fake_training) == 2 * 2 * 3 - 4 + 6  # another batch size: not the same
    grid = compare_learning_rates(FAKE_DATA, [1e-4, 3e-4], seeds=[0], steps=6, eval_steps=3,
                                  batch_size=4)
    fake_training.clear()
    learning_curve(FAKE_DATA, [40], [0], rates, steps=6, eval_steps=3, batch_size=4, done=grid)
    assert not fake_training  # the same batch size too: both runs reused


def test_learning_curve_reuses_no_run_of_another_start_or_learning_rate(fake_training):
    grid = compare_learning_rates(FAKE_DATA, [1e-4], seeds=[0], steps=6, eval_steps=3)
    pretrained_only = grid[grid["start"] == "pretrained"]
    fake_training.clear()
    learning_curve(FAKE_DATA, [40], [0], {"random": 1e-4}, steps=6, eval_steps=3,
                   done=pretrained_only)  # same rate, size and seed, other start
    learning_curve(FAKE_DATA, [40], [0], {"pretrained": 3e-4}, steps=6, eval_steps=3,
                   done=pretrained_only)  # same start, size and seed, other rate
    assert [(call["pretrained"], call["learning_rate"]) for call in fake_training] == [
        (False, 1e-4), (True, 3e-4)]
    learning_curve(FAKE_DATA, [4], [0], {"random": 1e-4}, steps=6, eval_steps=3,
                   batch_size=2)
    assert fake_training[-1]["batch_size"] == 2  # the training settings reach fine_tune


def test_learning_rates_ranked_by_mean_validation_accuracy_then_loss():
    runs = pd.DataFrame([
        ("pretrained", 1e-4, 0, 0.80, 0.40), ("pretrained", 1e-4, 1, 0.80, 0.40),
        ("pretrained", 1e-3, 0, 0.95, 0.20), ("pretrained", 1e-3, 1, 0.50, 0.69),  # unstable
        ("pretrained", 3e-4, 0, 0.85, 0.30), ("pretrained", 3e-4, 1, 0.85, 0.35),
        ("random", 1e-4, 0, 0.50, 0.68), ("random", 1e-4, 1, 0.50, 0.69),
        ("random", 3e-4, 0, 0.50, 0.69), ("random", 3e-4, 1, 0.50, 0.70)],
        columns=["start", "learning_rate", "seed", "validation_accuracy", "validation_loss"])
    runs["final_training_loss"] = 0.5
    assert best_learning_rates(runs) == {"pretrained": 3e-4, "random": 1e-4}  # each its own
    table = rank_learning_rates(runs)
    assert list(table.index) == [("pretrained", 3e-4), ("pretrained", 1e-4),
                                 ("pretrained", 1e-3), ("random", 1e-4), ("random", 3e-4)]
    assert table.loc[("pretrained", 1e-3), "validation_accuracy"] == pytest.approx(0.725)


def test_learning_rates_that_tie_on_both_scores_keep_the_order_the_grid_tried_them():
    runs = pd.DataFrame([("random", rate, seed, 0.5, 0.69) for rate in (1e-3, 1e-4, 3e-4)
                         for seed in (0, 1)],
                        columns=["start", "learning_rate", "seed", "validation_accuracy",
                                 "validation_loss"])
    runs["final_training_loss"] = 0.7
    assert list(rank_learning_rates(runs).index) == [("random", 1e-3), ("random", 1e-4),
                                                     ("random", 3e-4)]
    assert best_learning_rates(runs) == {"random": 1e-3}


def fake_results() -> pd.DataFrame:
    rows = [("pretrained", 16, 0, 0.6), ("pretrained", 16, 1, 0.7), ("pretrained", 16, 2, 0.8),
            ("random", 16, 0, 0.5), ("random", 16, 1, 0.5), ("random", 16, 2, 0.5),
            ("pretrained", 64, 0, 0.9), ("pretrained", 64, 1, 0.9), ("pretrained", 64, 2, 0.9),
            ("random", 64, 0, 0.4), ("random", 64, 1, 0.5), ("random", 64, 2, 0.6)]
    return pd.DataFrame(rows, columns=["start", "size", "seed", "accuracy"])


def test_summary_has_mean_then_range_per_size_and_start():
    table = summarise(fake_results())
    assert list(table.columns) == [("pretrained", "mean"), ("pretrained", "min"),
                                   ("pretrained", "max"), ("random", "mean"), ("random", "min"),
                                   ("random", "max")]
    assert table.loc[16, ("pretrained", "mean")] == pytest.approx(0.7)
    assert table.loc[64, ("random", "min")] == 0.4 and table.loc[64, ("random", "max")] == 0.6
    assert list(table.index) == [16, 64]


def test_plot_draws_a_mean_line_per_start_and_the_baseline_and_names_them():
    _, ax = plt.subplots()
    ax = plot_learning_curve(fake_results(), baseline=0.5, ax=ax)
    lines = ax.get_lines()
    assert [list(line.get_ydata()) for line in lines[:2]] == [pytest.approx([0.7, 0.9]),
                                                             pytest.approx([0.5, 0.5])]
    assert list(lines[2].get_ydata()) == [0.5, 0.5]  # the baseline
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["from the checkpoint: mean of 3 seeds", "one seed each (faint dots)",
                      "from random weights: mean of 3 seeds", "one label for every sentence"]
    _, ax = plt.subplots()
    longer = pd.DataFrame([("random", 64, 0, 0.7)], columns=["start", "size", "seed", "accuracy"])
    ax = plot_learning_curve(fake_results(), 0.5, extra={"longer": longer}, ax=ax)
    star = ax.collections[-1]
    assert star.get_label() == "longer" and star.get_offsets().tolist() == [[64, 0.7]]


def test_the_learning_rates_name_every_start_and_the_script_uses_the_checkpoints():
    from snippets.transfer_learning.accelerate_loop import LEARNING_RATE

    assert set(finetuning.LEARNING_RATES) == set(finetuning.STARTS)
    assert LEARNING_RATE == finetuning.LEARNING_RATES["pretrained"]
    assert all(0 < rate < 1e-2 for rate in finetuning.LEARNING_RATES.values())


def test_transformers_errors_only_silences_the_load_report_and_restores_the_verbosity():
    from transformers.utils import logging

    before = logging.get_verbosity()
    with pytest.raises(RuntimeError), finetuning.transformers_errors_only():
        assert logging.get_verbosity() == logging.ERROR
        raise RuntimeError("inside the block")
    assert logging.get_verbosity() == before
