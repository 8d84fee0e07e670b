import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from torch.utils.data import DataLoader
from transformers import BertForSequenceClassification, pipeline

from snippets.random_models import random_model
from snippets.transfer_learning.accelerate_loop import main, train_loop
from snippets.transfer_learning.finetuning import fine_tune, make_collate

from .test_finetuning import easy_split, tiny_classifier


@pytest.fixture(scope="module")
def minilm_tokenizer(minilm):
    return minilm[1]


def test_the_loss_falls_over_a_few_steps(minilm_tokenizer, device):
    model = tiny_classifier(device, initializer_range=0.3)  # large weights: learns quickly
    batches = DataLoader(easy_split(16, seed=0), batch_size=8, shuffle=True,
                         collate_fn=make_collate(minilm_tokenizer))
    losses = train_loop(model, batches, steps=10, learning_rate=1e-3)
    assert len(losses) == 10  # 5 epochs of 2 batches
    assert sum(losses[-2:]) / 2 < 0.5 * sum(losses[:2]) / 2
    assert next(model.parameters()).device.type == device.type


def test_the_loop_trains_like_trainer_clipping_included(minilm_tokenizer, device):
    """One batch per epoch (so the order of the rows cannot matter) and no dropout: our loop
    and Trainer make the same updates, to float rounding. Both clip the gradient norm to 0.01,
    far below the norm here, so a loop that clipped otherwise, or not at all, would differ."""
    train = easy_split(8, seed=4)

    def ours(max_grad_norm):
        model = tiny_classifier(device, seed=5)
        train_loop(model, DataLoader(train, batch_size=8, shuffle=True,
                                     collate_fn=make_collate(minilm_tokenizer)),
                   steps=6, learning_rate=1e-3, max_grad_norm=max_grad_norm)
        return model

    theirs = tiny_classifier(device, seed=5)
    fine_tune(theirs, minilm_tokenizer, train, steps=6, batch_size=8, learning_rate=1e-3,
              max_grad_norm=0.01, progress_bar=False)
    clipped = ours(0.01)
    for (name, ours_p), theirs_p in zip(clipped.named_parameters(), theirs.parameters(),
                                        strict=True):
        torch.testing.assert_close(ours_p, theirs_p, rtol=1e-4, atol=1e-5, msg=name)
    assert not torch.allclose(clipped.classifier.weight,
                              tiny_classifier(device, seed=5).classifier.weight)  # it trained
    for unclipped in (ours(None), ours(1.0)):  # the norm stays below 1: no clipping at all
        assert not all(torch.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in
                       zip(unclipped.parameters(), theirs.parameters(), strict=True))


def test_bad_arguments_raise(minilm_tokenizer, device):
    model = tiny_classifier(device)
    batches = DataLoader(easy_split(8, seed=0), batch_size=4,
                         collate_fn=make_collate(minilm_tokenizer))
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        train_loop(model, batches, steps=0)
    empty = DataLoader(easy_split(0, seed=0), batch_size=4,
                       collate_fn=make_collate(minilm_tokenizer))
    with pytest.raises(ValueError, match="the training set is empty"):
        train_loop(model, empty, steps=3)
    with pytest.raises(ValueError, match="max_grad_norm must be > 0 or None, got 0"):
        train_loop(model, batches, steps=3, max_grad_norm=0)


def test_the_script_trains_saves_and_the_pipeline_names_the_labels(minilm_tokenizer, tmp_path,
                                                                   device):
    checkpoint = tmp_path / "tiny"
    random_model(BertForSequenceClassification, num_labels=2, hidden_dropout_prob=0.0,
                 attention_probs_dropout_prob=0.0).save_pretrained(checkpoint)
    minilm_tokenizer.save_pretrained(checkpoint)
    rows = easy_split(64, seed=0)
    csv = tmp_path / "easy.csv"
    rows.map(lambda row: {"label": ["negative", "positive"][row["label"]]}).to_csv(csv,
                                                                                   index=False)
    losses = main(["--data", str(csv), "--checkpoint", str(checkpoint), "--steps", "40",
                   "--learning-rate", "1e-3", "--output", str(tmp_path / "out")])
    assert len(losses) == 40
    classifier = pipeline("text-classification", model=str(tmp_path / "out"), device=device)
    sentences = ["our trip was wonderful", "a terrible meal", "the book was very terrible",
                 "it was quite wonderful"]
    assert [p["label"] for p in classifier(sentences)] == ["positive", "negative", "negative",
                                                          "positive"]


def test_two_processes_make_the_updates_of_one_with_both_batches(minilm_tokenizer, tmp_path):
    """`torchrun` starts the script twice (on CPUs, talking through gloo, as `accelerate
    launch` would on GPUs): each process takes half of every update's rows and the gradients
    are averaged, so 2 processes x 14 rows train like 1 process x 28, and the one model saved
    is that."""
    checkpoint = tmp_path / "tiny"
    random_model(BertForSequenceClassification, num_labels=2, hidden_dropout_prob=0.0,
                 attention_probs_dropout_prob=0.0).save_pretrained(checkpoint)
    minilm_tokenizer.save_pretrained(checkpoint)
    csv = tmp_path / "easy.csv"
    easy_split(40, seed=0).map(lambda row: {"label": ["negative", "positive"][row["label"]]}) \
        .to_csv(csv, index=False)  # 28 training rows: one update sees all of them
    settings = ["--data", str(csv), "--checkpoint", str(checkpoint), "--steps", "3",
                "--learning-rate", "1e-3"]
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), LLM_COURSE_DEVICE="cpu", OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                    "--nproc-per-node", "2", "-m", "snippets.transfer_learning.accelerate_loop",
                    *settings,
                    "--batch-size", "14", "--output", str(tmp_path / "two")],
                   env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    main([*settings, "--batch-size", "28", "--output", str(tmp_path / "one")])
    main([*settings, "--batch-size", "14", "--output", str(tmp_path / "one_half")])
    two, one, one_half = (load_file(tmp_path / name / "model.safetensors")
                          for name in ("two", "one", "one_half"))
    for name, weight in two.items():
        torch.testing.assert_close(weight, one[name].cpu(), rtol=1e-4, atol=1e-5, msg=name)
    assert not torch.allclose(two["classifier.weight"], one_half["classifier.weight"].cpu())
