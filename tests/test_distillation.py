import time

import pytest
import torch

from snippets.distillation import DISTILBERT_PUBLISHED, forward_seconds


class Sleeper(torch.nn.Module):
    def forward(self, x):
        time.sleep(0.02)
        return x


def test_forward_seconds_times_one_forward_pass():
    assert 0.02 <= forward_seconds(Sleeper(), torch.zeros(1), repeats=2) < 0.2
    with pytest.raises(ValueError, match="repeats must be at least 1, got 0"):
        forward_seconds(Sleeper(), torch.zeros(1), repeats=0)


def test_published_claims_name_their_source():
    assert DISTILBERT_PUBLISHED["fewer_parameters"] == "40%"
    assert "arXiv:1910.01108" in DISTILBERT_PUBLISHED["source"]
