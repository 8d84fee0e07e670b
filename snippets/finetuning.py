"""Fine-tuning a sentence classifier with Trainer: from a checkpoint or from random weights."""

from snippets.models import get_device, minilm_checkpoint  # shown in lessons by their sections
from snippets.sentiment_data import LABELS, take_subset  # shown in lessons by their sections

# --8<-- [start:classifier]
# Needs: models.py:device, models.py:smollm2, models.py:minilm, sentiment_data.py:checks
import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging


def load_classifier(pretrained: bool, seed: int = 0, checkpoint=None, device=None):
    """(model, tokenizer): all-MiniLM-L6-v2 with a new 2-label head; random weights unless
    pretrained."""
    checkpoint = checkpoint or minilm_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)  # the same tokenizer either way
    labels = dict(num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
                  label2id={label: i for i, label in enumerate(LABELS)})
    torch.manual_seed(seed)  # draws the new head (and, from scratch, every other weight)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # the load report: the lesson prints the new weights itself
    try:
        if pretrained:  # the checkpoint's weights; only the classification head is new
            model = AutoModelForSequenceClassification.from_pretrained(checkpoint, **labels)
        else:  # the same architecture, every weight random
            config = AutoConfig.from_pretrained(checkpoint, **labels)
            model = AutoModelForSequenceClassification.from_config(config)
    finally:
        logging.set_verbosity(verbosity)
    return model.to(get_device(device)), tokenizer
# --8<-- [end:classifier]


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
# Needs: finetuning.py:collate
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


def fine_tune(model, tokenizer, train, steps: int = 30, batch_size: int = 8,
              learning_rate: float = 1e-4, seed: int = 0, progress_bar: bool = True) -> Trainer:
    """Train `model` on `train` for `steps` optimizer steps with Trainer; returns the Trainer."""
    if len(train) == 0:
        raise ValueError("the training set is empty")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    args = TrainingArguments(
        output_dir=str(Path(tempfile.gettempdir()) / "llm-course-ch1" / "trainer"),
        max_steps=steps,  # the same number of updates whatever the size of `train`
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,  # decays linearly to 0 over the `steps`
        optim="adamw_torch_fused",  # AdamW in one fused kernel: twice as fast on a CPU here
        seed=seed,  # shuffling of the batches
        use_cpu=model.device.type == "cpu",  # CUDA when the model is there
        remove_unused_columns=False,  # `collate` reads the raw "text"
        report_to="none", save_strategy="no", logging_steps=5, disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train,
                      data_collator=make_collate(tokenizer))
    trainer.remove_callback(PrinterCallback)  # no printed logs; they stay in log_history
    if progress_bar:
        trainer.add_callback(ProgressBar)
    trainer.train()
    return trainer
# --8<-- [end:trainer]


# --8<-- [start:accuracy]
# Needs: finetuning.py:collate
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
    """Accuracy on `test` of always answering the most common label of `train`."""
    labels = list(train["label"])
    majority = max(set(labels), key=labels.count)
    return sum(label == majority for label in test["label"]) / len(test)
# --8<-- [end:accuracy]


# --8<-- [start:sweep]
# Needs: finetuning.py:classifier, finetuning.py:trainer, finetuning.py:accuracy
# Needs: sentiment_data.py:subset
import pandas as pd
from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it


def learning_curve(data, sizes: list[int], seeds: list[int], steps: int = 42,
                   device=None, **train_kwargs) -> pd.DataFrame:
    """Test accuracy of the pretrained and the random-weight classifier, per size and seed."""
    too_big = [size for size in sizes if size > len(data["train"])]
    if too_big:
        raise ValueError(f"training sizes {too_big} are larger than the "
                         f"{len(data['train'])} training examples")
    runs = [(start, size, seed) for start in ("pretrained", "random") for size in sizes
            for seed in seeds]
    rows = []
    for start, size, seed in tqdm(runs, desc="fine-tuning runs"):
        model, tokenizer = load_classifier(pretrained=start == "pretrained", seed=seed,
                                           device=device)
        train = take_subset(data["train"], size, seed)
        fine_tune(model, tokenizer, train, steps, seed=seed, progress_bar=False, **train_kwargs)
        rows.append(dict(start=start, size=size, seed=seed,
                         accuracy=accuracy(model, tokenizer, data["test"])))
    return pd.DataFrame(rows)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread of the test accuracy over seeds: one row per size, a column per start."""
    table = results.groupby(["size", "start"])["accuracy"].agg(["mean", "std", "min", "max"])
    return table.unstack("start").swaplevel(axis=1).sort_index(axis=1)
# --8<-- [end:sweep]


# --8<-- [start:plot]
import matplotlib.pyplot as plt
import pandas as pd


def plot_learning_curve(results: pd.DataFrame, baseline: float, ax=None):
    """Test accuracy against training-set size: every seed as a dot, the mean as a line."""
    ax = ax or plt.gca()
    colors = {"pretrained": "tab:blue", "random": "tab:orange"}
    for start, group in results.groupby("start"):
        color = colors.get(start, "tab:green")
        means = group.groupby("size")["accuracy"].mean()
        ax.plot(means.index, means.values, "-o", color=color, label=f"{start} (mean)")
        ax.scatter(group["size"], group["accuracy"], color=color, alpha=0.35, s=18)
    ax.axhline(baseline, color="grey", linestyle="--", label="majority label")
    ax.set_xscale("log", base=2)
    sizes = sorted(results["size"].unique())
    ax.set_xticks(sizes, [str(size) for size in sizes])
    ax.set(xlabel="training examples", ylabel="test accuracy", ylim=(0.3, 1.02),
           title="Fine-tuning from a checkpoint versus from random weights")
    ax.legend(loc="lower right")
    return ax
# --8<-- [end:plot]
