import time

import pytest
import torch
from transformers import BertConfig, BertModel, DistilBertConfig, DistilBertModel

from snippets.how_transformers_work.distillation import (
    DISTILBERT_PUBLISHED,
    forward_seconds,
    full_size_teacher_and_student,
)
from snippets.how_transformers_work.model_size import numel


class Sleeper(torch.nn.Module):
    """A model whose forward passes sleep for the given seconds, in turn."""

    def __init__(self, seconds=(0.02,)):
        super().__init__()
        self.seconds = list(seconds)
        self.calls = 0

    def forward(self, x):
        time.sleep(self.seconds[self.calls % len(self.seconds)])
        self.calls += 1
        return x


def test_forward_seconds_times_one_forward_pass():
    assert 0.02 <= forward_seconds(Sleeper(), torch.zeros(1), repeats=2) < 0.2
    # a slow warm-up, then passes of 0.15, 0.03 and 0.09 s: the fastest timed pass is kept
    uneven = Sleeper([0.3, 0.15, 0.03, 0.09])
    assert 0.03 <= forward_seconds(uneven, torch.zeros(1), repeats=3) < 0.09
    assert uneven.calls == 4
    with pytest.raises(ValueError, match="repeats must be at least 1, got 0"):
        forward_seconds(Sleeper(), torch.zeros(1), repeats=0)


def test_the_published_40_percent_fewer_parameters_match_the_two_configs():
    with torch.device("meta"):  # shapes only
        bert, distilbert = BertModel(BertConfig()), DistilBertModel(DistilBertConfig())
    fewer = 1 - numel(distilbert) / numel(bert)
    published = float(DISTILBERT_PUBLISHED["fewer_parameters"].rstrip("%")) / 100
    assert fewer == pytest.approx(published, abs=0.01)
    assert round(100 * fewer) == 39  # the lesson's "39% fewer"


def test_the_published_60_percent_faster_matches_table_3():
    seconds = DISTILBERT_PUBLISHED["cpu_seconds_sts_b"]
    speedup = seconds["BERT-base"] / seconds["DistilBERT"]
    assert round(speedup, 2) == 1.63  # the lesson's "1.63 times as long"
    faster = float(DISTILBERT_PUBLISHED["faster"].rstrip("%")) / 100
    assert speedup - 1 == pytest.approx(faster, abs=0.05)


def test_full_size_teacher_and_student_have_12_and_6_layers():
    with torch.device("meta"):
        teacher, student = full_size_teacher_and_student(device="meta")
    assert len(teacher.encoder.layer) == 12 and len(student.transformer.layer) == 6
    assert numel(teacher) == 109_482_240 and numel(student) == 66_362_880
    assert not teacher.training and not student.training
