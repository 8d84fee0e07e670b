import pytest
import torch
from test_finetuning import easy_split, tiny_classifier
from torch.utils.data import DataLoader
from transformers import BertForSequenceClassification, pipeline

from snippets.accelerate_loop import main, train_loop
from snippets.finetuning import fine_tune, make_collate
from snippets.random_models import random_model


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


def test_the_loop_trains_exactly_like_trainer(minilm_tokenizer, device):
    """One batch per epoch (so the order of the rows cannot matter) and no dropout: our loop
    and Trainer make the same updates."""
    train = easy_split(8, seed=4)
    ours, theirs = tiny_classifier(device, seed=5), tiny_classifier(device, seed=5)
    train_loop(ours, DataLoader(train, batch_size=8, shuffle=True,
                                collate_fn=make_collate(minilm_tokenizer)),
               steps=6, learning_rate=1e-3)
    fine_tune(theirs, minilm_tokenizer, train, steps=6, batch_size=8, learning_rate=1e-3,
              progress_bar=False)
    for (name, ours_p), theirs_p in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(ours_p, theirs_p, rtol=1e-4, atol=1e-5, msg=name)
    assert not torch.allclose(ours.classifier.weight,
                              tiny_classifier(device, seed=5).classifier.weight)  # it trained


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


def test_the_script_trains_saves_and_the_pipeline_names_the_labels(minilm_tokenizer, tmp_path,
                                                                   device):
    checkpoint = tmp_path / "tiny"
    random_model(BertForSequenceClassification, num_labels=2).save_pretrained(checkpoint)
    minilm_tokenizer.save_pretrained(checkpoint)
    rows = easy_split(40, seed=0)
    csv = tmp_path / "easy.csv"
    rows.map(lambda row: {"label": ["negative", "positive"][row["label"]]}).to_csv(csv,
                                                                                   index=False)
    losses = main(["--data", str(csv), "--checkpoint", str(checkpoint), "--steps", "4",
                   "--learning-rate", "1e-3", "--output", str(tmp_path / "out")])
    assert len(losses) == 4
    classifier = pipeline("text-classification", model=str(tmp_path / "out"), device=device)
    predictions = classifier(["a wonderful day", "a terrible day"])
    assert {p["label"] for p in predictions} <= {"negative", "positive"}
    assert all(0.5 <= p["score"] <= 1 for p in predictions)
