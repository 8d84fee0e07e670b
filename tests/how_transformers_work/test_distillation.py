import time

import pytest
import torch
from transformers import BertConfig, BertModel, DistilBertConfig, DistilBertModel

from snippets.how_transformers_work.distillation import (
    DISTILBERT_PUBLISHED,
    distilbert_claims,
    fastest_in_turn,
    full_size_teacher_and_student,
)
from snippets.how_transformers_work.model_size import numel


class Sleeper(torch.nn.Module):
    """A model whose forward passes sleep for the given seconds, in turn, and log its name."""

    def __init__(self, seconds=(0.02,), name="", log=None):
        super().__init__()
        self.seconds, self.name, self.log = list(seconds), name, log if log is not None else []
        self.calls = 0

    def forward(self, x):
        time.sleep(self.seconds[self.calls % len(self.seconds)])
        self.calls += 1
        self.log.append(self.name)
        return x


def test_fastest_in_turn_keeps_each_models_fastest_pass():
    # a slow warm-up, then passes of 0.15, 0.03 and 0.09 s: the fastest timed pass is kept
    uneven = Sleeper([0.3, 0.15, 0.03, 0.09])
    seconds = fastest_in_turn({"uneven": uneven, "steady": Sleeper([0.02])}, torch.zeros(1),
                              rounds=3)
    assert 0.03 <= seconds["uneven"] < 0.09 and 0.02 <= seconds["steady"] < 0.03 + 0.05
    assert uneven.calls == 4  # one warm-up and three timed passes
    with pytest.raises(ValueError, match="rounds must be at least 1, got 0"):
        fastest_in_turn({"a": Sleeper()}, torch.zeros(1), rounds=0)


def test_fastest_in_turn_alternates_the_models():
    log = []
    models = {"teacher": Sleeper([0.001], "teacher", log),
              "student": Sleeper([0.001], "student", log)}
    fastest_in_turn(models, torch.zeros(1), rounds=4)
    assert log == ["teacher", "student"] * 5  # warm-ups, then one pass of each per round


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


def test_distilbert_claims_set_each_claim_beside_what_it_rests_on():
    claims = distilbert_claims(109_482_240, 66_362_880)
    assert [row["claim"] for row in claims] == ["fewer parameters", "faster",
                                                "language understanding kept"]
    assert [row["paper"] for row in claims][:2] == ["40%", "60%"]
    assert "39% fewer, as we count" in claims[0]["what it rests on"]
    assert "BERT 668 s, DistilBERT 410 s, 1.63 times as fast" in claims[1]["what it rests on"]
    assert "not measured here" in claims[2]["what it rests on"]
