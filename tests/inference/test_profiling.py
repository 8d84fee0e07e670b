import time

import pytest
import torch

from snippets.inference.decoding import decode_step, prefill
from snippets.inference.profiling import CATEGORIES, category_of, profile_step
from snippets.models import tiny_llama


@pytest.fixture(scope="module")
def tiny(device):
    return tiny_llama(seed=0, device=device.type)


def test_operations_fall_into_their_categories():
    assert category_of("aten::mm") == category_of("aten::addmm") == "matrix products"
    assert category_of("aten::_weight_int8pack_mm") == "matrix products"
    assert category_of("aten::_scaled_dot_product_flash_attention_for_cpu") == "attention"
    assert category_of("aten::cat") == category_of("aten::matmul") == "other operations"


def test_profile_of_a_decode_step_counts_its_matrix_products(tiny, device):
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    logits, cache = prefill(tiny, input_ids)
    profile = profile_step(lambda: decode_step(tiny, logits.argmax(-1), cache), device,
                           unprofiled_runs=2)
    assert set(profile.seconds) == set(CATEGORIES)
    # 7 weight matrices per layer (q, k, v, o, gate, up, down), then the output layer
    assert profile.calls["matrix products"] == 7 * tiny.config.num_hidden_layers + 1
    assert profile.calls["attention"] >= tiny.config.num_hidden_layers  # one SDPA per layer
    assert cache.get_seq_length() == 5 + 2 + 1  # two unprofiled steps, then the profiled one


def test_time_outside_every_operation_is_between_operations(device):
    """Python that runs no operator (here a sleep) lands in "between operations" only."""
    a = torch.randn(64, 64, device=device)

    def step():
        for _ in range(3):
            torch.mm(a, a)
            time.sleep(0.02)

    profile = profile_step(step, device, unprofiled_runs=1)
    assert profile.calls["matrix products"] == 3
    assert profile.seconds["between operations"] >= 0.06
    assert profile.seconds["matrix products"] < profile.total_seconds - 0.06
    assert profile.unprofiled_seconds >= 0.06


def test_nested_operations_count_by_their_own_time(device):
    """aten::linear calls aten::t and aten::mm: counting the time of each with its children
    would count the product twice, and leave less than nothing between operations."""
    torch.manual_seed(0)
    x, W = torch.randn(512, 512, device=device), torch.randn(512, 512, device=device)

    def step():
        for _ in range(10):
            torch.nn.functional.linear(x, W)

    profile = profile_step(step, device)
    assert profile.calls["matrix products"] == 10
    assert profile.calls["other operations"] >= 20  # aten::linear and aten::t around each
    assert profile.seconds["between operations"] >= 0
    assert profile.seconds["matrix products"] > 0.5 * profile.total_seconds
    with pytest.raises(ValueError, match="unprofiled_runs must be >= 1, got 0"):
        profile_step(step, device, unprofiled_runs=0)


def test_profile_of_the_real_model_counts_211_matrix_products(smollm2):
    model, _ = smollm2
    logits, cache = prefill(model, torch.tensor([[1, 2, 3]], device=model.device))
    profile = profile_step(lambda: decode_step(model, logits.argmax(-1), cache), model.device)
    assert profile.calls["matrix products"] == 7 * 30 + 1
    assert 0 < profile.seconds["matrix products"] < profile.total_seconds
