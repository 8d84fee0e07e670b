"""Fine-tuning a sentence classifier with Trainer: from a checkpoint or from random weights."""

# Shown in lessons by their own sections:
from snippets.models import get_device, minilm_checkpoint
from snippets.transfer_learning.sentiment_data import LABELS, take_subset

# --8<-- [start:quiet]
from contextlib import contextmanager

from transformers.utils import logging


@contextmanager
def transformers_errors_only():
    """Within the block, 🤗 Transformers logs errors only (not the report of which weights a
    load left new: the lesson prints those itself); the verbosity is restored after."""
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
# --8<-- [end:quiet]


# --8<-- [start:classifier]
# Needs: models.py:device, models.py:package, models.py:minilm
# Needs: transfer_learning/sentiment_data.py:checks, transfer_learning/finetuning.py:quiet
import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer


def load_classifier(pretrained: bool, seed: int = 0, checkpoint=None, device=None):
    """(model, tokenizer): all-MiniLM-L6-v2 with a new 2-label head; random weights unless
    pretrained."""
    checkpoint = checkpoint or minilm_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)  # the same tokenizer either way
    labels = dict(num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
                  label2id={label: i for i, label in enumerate(LABELS)})
    torch.manual_seed(seed)  # draws the new head (and, from scratch, every other weight)
    with transformers_errors_only():
        if pretrained:  # the checkpoint's weights; only the classification head is new
            model = AutoModelForSequenceClassification.from_pretrained(checkpoint, **labels)
        else:  # the same architecture, every weight random
            config = AutoConfig.from_pretrained(checkpoint, **labels)
            model = AutoModelForSequenceClassification.from_config(config)
    return model.to(get_device(device)), tokenizer
# --8<-- [end:classifier]


# --8<-- [start:learning_rates]
# Each start's learning rate for 14 updates of 24 sentences, chosen on the validation set by
# the deep dive on learning rates, whose grid (compare_learning_rates, best_learning_rates)
# must still pick them: the deep dive checks it.
LEARNING_RATES = {"pretrained": 3e-4, "random": 1e-4}
# --8<-- [end:learning_rates]


# --8<-- [start:collate]
import torch


def make_collate(tokenizer, max_length: int = 32):
    """A collate function: a list of {"text", "label"} rows -> one padded batch of tensors."""
    def collate(rows: list[dict]) -> dict[str, torch.Tensor]:
        batch = tokenizer([row["text"] for row in rows], padding=True, truncation=True,
                          max_length=max_length, return_tensors="pt")
        batch["labels"] = torch.tensor([row["label"] for row in rows])  # (batch_size,)
        return batch  # input_ids, attention_mask: (batch_size, num_tokens)
    return collate
# --8<-- [end:collate]


# --8<-- [start:trainer]
# Needs: transfer_learning/finetuning.py:collate
import tempfile
from pathlib import Path

from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments


class ProgressBar(TrainerCallback):
    """A progress bar over the training steps (plain tqdm: TQDM_DISABLE=1 silences it)."""

    def on_train_begin(self, args, state, control, **kwargs):
        self.bar = tqdm(total=state.max_steps, desc="training")

    def on_step_end(self, args, state, control, **kwargs):
        self.bar.update()

    def on_train_end(self, args, state, control, **kwargs):
        self.bar.close()


class KeepBest(TrainerCallback):
    """After each evaluation, keep a copy of the weights if they score best so far on the
    validation set: highest accuracy, then lowest loss; the earliest step wins a tie."""

    def __init__(self):
        self.best, self.weights, self.step = None, None, 0

    def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
        score = (metrics["eval_accuracy"], -metrics["eval_loss"])
        if self.best is None or score > self.best:
            self.best, self.step = score, state.global_step
            if self.weights is None:
                self.weights = {name: w.detach().clone() for name, w in model.state_dict().items()}
            else:  # into the same memory: a copy of 22M numbers, not a new allocation
                for name, w in model.state_dict().items():
                    self.weights[name].copy_(w)


def validation_accuracy(prediction) -> dict[str, float]:
    """Trainer's metric: the share of validation rows whose label is the most likely one."""
    return {"accuracy": float((prediction.predictions.argmax(-1) == prediction.label_ids).mean())}


def fine_tune(model, tokenizer, train, steps: int = 30, batch_size: int = 8,
              learning_rate: float = 1e-4, seed: int = 0, progress_bar: bool = True,
              max_grad_norm: float = 1.0, validation=None, eval_steps: int = 0) -> Trainer:
    """Train `model` on `train` for `steps` optimizer steps with Trainer; returns the Trainer.
    With `validation`, score the model on it every `eval_steps` steps and end with the weights
    that scored best (the number of steps is then chosen on the validation set)."""
    if len(train) == 0:
        raise ValueError("the training set is empty")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if validation is not None and not 1 <= eval_steps <= steps:
        raise ValueError(f"eval_steps must be between 1 and steps ({steps}) when a validation "
                         f"set is given, got {eval_steps}")
    args = TrainingArguments(
        output_dir=str(Path(tempfile.gettempdir()) / "llm-course-ch1" / "trainer"),
        max_steps=steps,  # the same number of updates whatever the size of `train`
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,  # decays linearly to 0 over the `steps`
        max_grad_norm=max_grad_norm,  # gradients clipped to this norm (Trainer's default: 1)
        optim="adamw_torch_fused",  # AdamW in one fused kernel: twice as fast on a CPU here
        seed=seed,  # shuffling of the batches
        use_cpu=model.device.type == "cpu",  # CUDA when the model is there
        remove_unused_columns=False,  # `collate` reads the raw "text"
        eval_strategy="no" if validation is None else "steps", eval_steps=eval_steps or None,
        per_device_eval_batch_size=64,
        logging_steps=eval_steps or 5,  # the mean training loss since the last log
        report_to="none", save_strategy="no", disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=validation,
                      data_collator=make_collate(tokenizer), compute_metrics=validation_accuracy)
    trainer.remove_callback(PrinterCallback)  # no printed logs; they stay in log_history
    if progress_bar:
        trainer.add_callback(ProgressBar)
    keep_best = KeepBest()
    if validation is not None:
        trainer.add_callback(keep_best)
    trainer.train()
    if validation is not None:  # back to the best weights; Trainer's state says which step
        model.load_state_dict(keep_best.weights)
        trainer.state.best_global_step = keep_best.step
    return trainer
# --8<-- [end:trainer]


# --8<-- [start:accuracy]
# Needs: transfer_learning/finetuning.py:collate
import torch


@torch.no_grad()
def predict(model, tokenizer, dataset, batch_size: int = 64) -> list[int]:
    """The model's most likely label id for every row of `dataset`."""
    if len(dataset) == 0:
        raise ValueError("the dataset is empty")
    model.eval()
    collate = make_collate(tokenizer)
    predictions = []
    for start in range(0, len(dataset), batch_size):
        batch = collate(dataset.select(range(start, min(start + batch_size, len(dataset)))))
        logits = model(**batch.to(model.device)).logits  # (batch_size, num_labels)
        predictions += logits.argmax(-1).tolist()
    return predictions


def accuracy(model, tokenizer, dataset, batch_size: int = 64) -> float:
    """Fraction of `dataset` whose label is the model's most likely class."""
    predictions = predict(model, tokenizer, dataset, batch_size)
    return sum(p == y for p, y in zip(predictions, dataset["label"], strict=True)) / len(dataset)


def majority_baseline(train, test) -> float:
    """Accuracy on `test` of always answering the most common label of `train` (a tie: the
    smaller label id)."""
    labels = list(train["label"])
    majority = max(sorted(set(labels)), key=labels.count)  # max keeps the first of a tie
    return sum(label == majority for label in test["label"]) / len(test)
# --8<-- [end:accuracy]


# --8<-- [start:run]
# Needs: transfer_learning/finetuning.py:classifier, transfer_learning/finetuning.py:trainer
# Needs: transfer_learning/finetuning.py:accuracy
# Needs: transfer_learning/sentiment_data.py:subset
STARTS = {"pretrained": "from the checkpoint", "random": "from random weights"}


def best_evaluation(trainer) -> dict[str, float]:
    """The validation scores logged at the step whose weights `fine_tune` kept."""
    return next(log for log in trainer.state.log_history
                if "eval_accuracy" in log and log["step"] == trainer.state.best_global_step)


def fine_tune_run(data, start: str, size: int, seed: int, learning_rate: float, steps: int,
                  eval_steps: int, device=None, **train_kwargs) -> dict:
    """Fine-tune one start on `size` training rows drawn with `seed`: its scores on the
    validation set (at the step it kept) and on the test set."""
    if start not in STARTS:
        raise ValueError(f"unknown start {start!r}: the starts are {list(STARTS)}")
    model, tokenizer = load_classifier(pretrained=start == "pretrained", seed=seed,
                                       device=device)
    train = take_subset(data["train"], size, seed)  # the seed draws the subset, the new
    trainer = fine_tune(model, tokenizer, train, steps, seed=seed,  # weights, the order of
                        learning_rate=learning_rate,  # the batches and the dropout
                        validation=data["validation"], eval_steps=eval_steps,
                        progress_bar=False, **train_kwargs)
    best = best_evaluation(trainer)
    predictions = predict(model, tokenizer, data["test"])
    return dict(start=start, size=size, seed=seed, learning_rate=learning_rate, steps=steps,
                eval_steps=eval_steps, **train_kwargs, step=best["step"],
                validation_accuracy=best["eval_accuracy"], validation_loss=best["eval_loss"],
                final_training_loss=[log["loss"] for log in trainer.state.log_history
                                     if "loss" in log][-1],
                accuracy=sum(p == y for p, y in zip(predictions, data["test"]["label"],
                                                    strict=True)) / len(predictions),
                answers_positive=sum(predictions) / len(predictions))
# --8<-- [end:run]


# --8<-- [start:choose]
# Needs: transfer_learning/finetuning.py:run
import pandas as pd
from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it


def compare_learning_rates(data, learning_rates: list[float], seeds: list[int], steps: int,
                           eval_steps: int, device=None, **train_kwargs) -> pd.DataFrame:
    """Fine-tune each start at each learning rate and seed on the whole training set."""
    runs = [(start, rate, seed) for start in STARTS for rate in learning_rates
            for seed in seeds]
    return pd.DataFrame([
        fine_tune_run(data, start, len(data["train"]), seed, rate, steps, eval_steps, device,
                      **train_kwargs)
        for start, rate, seed in tqdm(runs, desc="learning rates")])


def rank_learning_rates(runs: pd.DataFrame) -> pd.DataFrame:
    """Validation scores per start and learning rate, averaged over the seeds, best first:
    the highest accuracy, then (a tie) the lowest loss, then the order the runs were made in.
    The test set plays no part."""
    table = runs.groupby(["start", "learning_rate"], sort=False)[
        ["validation_accuracy", "validation_loss", "final_training_loss"]].mean()
    return table.sort_values(["start", "validation_accuracy", "validation_loss"],
                             ascending=[True, False, True], kind="stable")


def best_learning_rates(runs: pd.DataFrame) -> dict[str, float]:
    """Each start's best learning rate on the validation set (see rank_learning_rates)."""
    ranked = rank_learning_rates(runs).reset_index()
    return {start: float(ranked.loc[ranked["start"] == start, "learning_rate"].iloc[0])
            for start in runs["start"].unique()}
# --8<-- [end:choose]


# --8<-- [start:sweep]
# Needs: transfer_learning/finetuning.py:run
import pandas as pd
from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it


def learning_curve(data, sizes: list[int], seeds: list[int], learning_rates: dict[str, float],
                   steps: int, eval_steps: int, done: pd.DataFrame | None = None, device=None,
                   **train_kwargs) -> pd.DataFrame:
    """Every start (with its own learning rate) at every training-set size and seed: the same
    subset, steps and seed for each start. A run already in `done` with the same settings
    (start, size, seed, learning rate, steps, eval_steps, train_kwargs) is not repeated."""
    too_big = [size for size in sizes if size > len(data["train"])]
    if too_big:
        raise ValueError(f"training sizes {too_big} are larger than the "
                         f"{len(data['train'])} training examples")
    unknown = sorted(set(learning_rates) - set(STARTS))
    if unknown:
        raise ValueError(f"unknown starts {unknown}: the starts are {list(STARTS)}")
    rows = []
    runs = [(start, size, seed) for start in learning_rates for size in sizes for seed in seeds]
    for start, size, seed in tqdm(runs, desc="fine-tuning runs"):
        settings = dict(start=start, size=size, seed=seed, learning_rate=learning_rates[start],
                        steps=steps, eval_steps=eval_steps, **train_kwargs)
        same = (None if done is None or not set(settings) <= set(done.columns) else
                done[(done[list(settings)] == pd.Series(settings)).all(axis=1)])
        if same is not None and len(same):  # this very run was done already
            rows.append(same.iloc[0].to_dict())
        else:
            rows.append(fine_tune_run(data, start, size, seed, learning_rates[start], steps,
                                      eval_steps, device, **train_kwargs))
    return pd.DataFrame(rows)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Test accuracy over the seeds, mean then range: one row per size, columns per start."""
    table = results.groupby(["size", "start"])["accuracy"].agg(["mean", "min", "max"])
    table = table.unstack("start").swaplevel(axis=1)
    return table[[(start, stat) for start in results["start"].unique()
                  for stat in ("mean", "min", "max")]]
# --8<-- [end:sweep]


# Drawing only, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:plot]
import matplotlib.pyplot as plt
import pandas as pd


def plot_learning_curve(results: pd.DataFrame, baseline: float,
                        extra: dict[str, pd.DataFrame] | None = None, ax=None):
    """Test accuracy against training-set size: every seed as a dot, the mean as a line; the
    runs in `extra` (label -> results) as stars."""
    ax = ax or plt.gca()
    colors = {"pretrained": "tab:blue", "random": "tab:orange"}
    names = {"pretrained": "from the checkpoint", "random": "from random weights"}
    for start, group in results.groupby("start", sort=False):
        color = colors.get(start, "tab:green")
        means = group.groupby("size")["accuracy"].mean()
        ax.plot(means.index, means.values, "-o", color=color,
                label=f"{names.get(start, start)}: mean of {group['seed'].nunique()} seeds")
        ax.scatter(group["size"], group["accuracy"], color=color, alpha=0.35, s=18,
                   label="one seed each (faint dots)" if start == results["start"].iloc[0]
                   else None)
    for label, runs in (extra or {}).items():
        ax.scatter(runs["size"], runs["accuracy"], marker="*", s=160, zorder=3,
                   color=[colors.get(start, "tab:green") for start in runs["start"]],
                   edgecolors="black", label=label)
    ax.axhline(baseline, color="grey", linestyle="--", label="one label for every sentence")
    ax.set_xscale("log", base=2)
    sizes = sorted(results["size"].unique())
    ax.set_xticks(sizes, [str(size) for size in sizes])
    ax.set(xlabel="training sentences", ylabel="test accuracy", ylim=(0.3, 1.02),
           title="Fine-tuning from a checkpoint versus from random weights")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small")
    return ax
# --8<-- [end:plot]
# pragma: no mutate end
