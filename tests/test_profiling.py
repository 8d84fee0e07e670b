import pytest
import torch

from snippets.decoding import decode_step, prefill
from snippets.models import tiny_llama
from snippets.profiling import CATEGORIES, category_of, profile_step


@pytest.fixture(scope="module")
def tiny(device):
    return tiny_llama(seed=0, device=device.type)


def test_operations_fall_into_their_categories():
    assert category_of("aten::mm") == category_of("aten::addmm") == "matrix products"
    assert category_of("aten::_weight_int8pack_mm") == "matrix products"
    assert category_of("aten::_scaled_dot_product_flash_attention_for_cpu") == "attention"
    assert category_of("aten::cat") == category_of("aten::matmul") == "other operations"


def test_profile_of_a_decode_step_adds_up(tiny, device):
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    logits, cache = prefill(tiny, input_ids)
    profile = profile_step(lambda: decode_step(tiny, logits.argmax(-1), cache), device)
    assert set(profile.seconds) == set(CATEGORIES)
    assert sum(profile.seconds.values()) == pytest.approx(profile.total_seconds, rel=1e-6)
    assert all(seconds >= 0 for seconds in profile.seconds.values())
    share = profile.seconds["matrix products"] / profile.total_seconds
    assert 0 < share < 1
    # 7 weight matrices per layer (q, k, v, o, gate, up, down), then the output layer
    assert profile.calls["matrix products"] == 7 * tiny.config.num_hidden_layers + 1
    assert profile.calls["attention"] >= tiny.config.num_hidden_layers  # one SDPA per layer
    assert cache.get_seq_length() == 6  # the profiled step really ran: one more position


def test_profile_of_the_real_model_counts_211_matrix_products(smollm2):
    model, _ = smollm2
    logits, cache = prefill(model, torch.tensor([[1, 2, 3]], device=model.device))
    profile = profile_step(lambda: decode_step(model, logits.argmax(-1), cache), model.device)
    assert profile.calls["matrix products"] == 7 * 30 + 1
    assert 0 < profile.seconds["matrix products"] < profile.total_seconds
