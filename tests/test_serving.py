import matplotlib.pyplot as plt
import pytest
import torch

from snippets import serving
from snippets.models import tiny_llama
from snippets.serving import (
    attention_matrix_bytes,
    cache_nbytes,
    cache_speedup,
    decode_roofline,
    dummy_prompt,
    filled_cache,
    fit_line,
    fit_quadratic,
    kv_cache_bytes,
    kv_cache_size,
    machine_description,
    median_seconds,
    memory_bandwidth,
    peak_memory,
    plot_context_costs,
    throughput,
    time_per_decode_step,
    time_per_output_token,
    time_per_token_without_cache,
    time_to_first_token,
    weight_bytes,
)


@pytest.fixture(scope="module")
def tiny(device):
    return tiny_llama(seed=0, device=device.type)


def test_machine_description_names_the_hardware_and_torch(device):
    description = machine_description(device)
    assert description.endswith(f"torch {torch.__version__}")
    if device.type == "cuda":
        assert torch.cuda.get_device_name(device) in description
    else:
        assert f"CPU cores (torch uses {torch.get_num_threads()})" in description


def test_dummy_prompt_is_fixed_with_identical_rows(tiny, device):
    prompt = dummy_prompt(tiny, 7, batch_size=3)
    assert prompt.shape == (3, 7) and prompt.device.type == device.type
    assert torch.equal(prompt[0], prompt[2]) and torch.equal(prompt, dummy_prompt(tiny, 7, 3))
    assert prompt.min() >= 3 and prompt.max() < tiny.config.vocab_size


def test_kv_cache_of_smollm2_per_token():
    from transformers import AutoConfig

    config = AutoConfig.for_model("llama", num_hidden_layers=30, num_key_value_heads=3,
                                  num_attention_heads=9, hidden_size=576)
    assert kv_cache_bytes(config, 1) == 2 * 30 * 3 * 64 * 4 == 46_080  # K and V, float32
    assert kv_cache_bytes(config, 1000, 8, torch.bfloat16) == 46_080 // 2 * 1000 * 8


@pytest.mark.parametrize("num_tokens,batch_size", [(1, 1), (5, 2), (9, 3)])
def test_computed_kv_cache_equals_the_real_cache_of_smollm2(smollm2, num_tokens, batch_size):
    model, _ = smollm2
    size = kv_cache_size(model, num_tokens, batch_size)
    assert size.computed_bytes == size.measured_bytes == 46_080 * num_tokens * batch_size


@pytest.mark.parametrize("num_tokens,batch_size", [(1, 1), (5, 4), (64, 2)])
def test_computed_kv_cache_equals_the_real_cache_of_tiny_llama(tiny, num_tokens, batch_size):
    size = kv_cache_size(tiny, num_tokens, batch_size)
    head_dim = 64 // 4
    assert size.computed_bytes == size.measured_bytes == (
        2 * 2 * 2 * head_dim * num_tokens * batch_size * 4)  # K,V x layers x KV heads


def test_cache_nbytes_sums_keys_and_values_of_every_layer(tiny):
    from snippets.decoding import prefill

    _, cache = prefill(tiny, dummy_prompt(tiny, 5))
    assert cache_nbytes(cache) == sum(
        layer.keys.numel() * 4 + layer.values.numel() * 4 for layer in cache.layers)


def test_attention_matrix_bytes_grow_exactly_with_the_square_of_the_length(smollm2_eager):
    model, _ = smollm2_eager
    num_bytes = attention_matrix_bytes(model, [4, 8, 16])
    assert num_bytes == {n: 30 * 9 * n * n * 4 for n in (4, 8, 16)}  # layers x heads x n^2
    assert num_bytes[16] == 4 * num_bytes[8] == 16 * num_bytes[4]
    assert fit_quadratic(list(num_bytes), list(num_bytes.values())) == pytest.approx(30 * 9 * 4)


def test_attention_matrix_bytes_needs_eager_attention(tiny, device):
    with pytest.raises(ValueError, match="'sdpa'.*attn_implementation='eager'"):
        attention_matrix_bytes(tiny, [4])
    eager = tiny_llama(seed=0, device=device.type, attn_implementation="eager")
    assert attention_matrix_bytes(eager, [3, 6]) == {3: 2 * 4 * 9 * 4, 6: 2 * 4 * 36 * 4}
    with pytest.raises(ValueError, match=r"lengths must be .* got \[\]"):
        attention_matrix_bytes(eager, [])


def test_fits_recover_known_coefficients():
    lengths = [64, 128, 256, 512, 1024]
    assert fit_quadratic(lengths, [3.5 * n**2 for n in lengths]) == pytest.approx(3.5)
    assert fit_line(lengths, [0.02 + 1e-5 * n for n in lengths]) == pytest.approx((0.02, 1e-5))
    torch.manual_seed(0)
    noisy = [0.02 + 1e-5 * n + 1e-4 * torch.randn(()).item() for n in lengths]
    a, b = fit_line(lengths, noisy)
    assert a == pytest.approx(0.02, abs=5e-4) and b == pytest.approx(1e-5, rel=0.1)


def test_fit_line_is_the_least_squares_solution():
    lengths, values = [1, 2, 3, 4], [1.0, 3.0, 2.0, 5.0]
    a, b = fit_line(lengths, values)  # closed form: b = cov(n, y) / var(n)
    assert b == pytest.approx(1.1) and a == pytest.approx(2.75 - 1.1 * 2.5)


def test_fits_refuse_too_few_or_unmatched_points():
    with pytest.raises(ValueError, match="got 2 lengths and 1 values"):
        fit_quadratic([1, 2], [1.0])
    with pytest.raises(ValueError, match="at least 2"):
        fit_line([1], [1.0])
    with pytest.raises(ValueError, match="at least 1"):
        fit_quadratic([], [])


def test_plot_shows_measured_points_and_fitted_curves():
    attention = {n: 2 * n**2 for n in (10, 20, 40)}
    step = {n: 0.01 + 0.001 * n for n in (10, 20, 40)}
    axes = plot_context_costs(attention, step)
    assert len(axes) == 2
    fitted, measured = axes[0].get_lines()
    assert list(measured.get_xdata()) == [10, 20, 40]
    assert list(measured.get_ydata()) == pytest.approx([v / 2**20 for v in attention.values()])
    x, y = fitted.get_xdata(), fitted.get_ydata()
    assert y[-1] == pytest.approx(2 * x[-1] ** 2 / 2**20)
    fitted, measured = axes[1].get_lines()
    assert fitted.get_ydata()[0] == pytest.approx(10.0)  # 0.01 s at n = 0, in ms
    plt.close("all")


def test_roofline_arithmetic(tiny):
    num_params = sum(p.numel() for p in tiny.parameters())
    assert weight_bytes(tiny) == num_params * 4  # float32, tied embedding counted once
    roofline = decode_roofline(tiny, bandwidth=1e9, measured_tokens_per_second=500.0)
    assert roofline.weight_bytes == num_params * 4
    assert roofline.max_tokens_per_second == pytest.approx(1e9 / (num_params * 4))
    assert roofline.fraction_of_ceiling == pytest.approx(500.0 / roofline.max_tokens_per_second)
    with pytest.raises(ValueError, match=r"bandwidth \(0\)"):
        decode_roofline(tiny, bandwidth=0, measured_tokens_per_second=1.0)


def test_smollm2_weights_are_538_mb(smollm2):
    model, _ = smollm2
    assert weight_bytes(model) == 134_515_008 * 4


def test_memory_bandwidth_counts_bytes_read_and_written(device, monkeypatch):
    monkeypatch.setattr(serving, "median_seconds", lambda run, device, repeats: 0.5)
    assert memory_bandwidth(device, num_bytes=2**22) == 2 * 2**22 / 0.5  # read + written
    monkeypatch.undo()
    # a real copy: between 100 MB/s (a very busy machine) and 100 TB/s (no memory is faster)
    assert 1e8 < memory_bandwidth(device, num_bytes=2**24, repeats=3) < 1e14
    with pytest.raises(ValueError, match="num_bytes must be an integer >= 1, got 0"):
        memory_bandwidth(device, num_bytes=0)


def test_peak_memory_sees_a_64_mib_tensor(device):
    peak = peak_memory(lambda: torch.ones(2**24, device=device), device)  # 64 MiB
    assert peak.num_bytes >= 2**26
    assert ("cuda" in peak.measured_as) == (device.type == "cuda")


def test_timings_have_one_positive_value_per_size(tiny):
    ttft = time_to_first_token(tiny, [4, 16], repeats=1)
    assert list(ttft) == [4, 16] and all(s > 0 for s in ttft.values())
    assert time_per_output_token(tiny, 8, num_new_tokens=2, repeats=1) > 0
    assert time_per_token_without_cache(tiny, 8, num_new_tokens=2, repeats=1) > 0
    tokens_per_second = throughput(tiny, [1, 3], prompt_length=4, max_new_tokens=2, repeats=1)
    assert list(tokens_per_second) == [1, 3] and all(t > 0 for t in tokens_per_second.values())
    (row,) = cache_speedup(tiny, [8], num_new_tokens=2, repeats=1)
    assert row.context_length == 8
    assert row.speedup == row.seconds_without_cache / row.seconds_with_cache > 0


def test_median_seconds_takes_the_median_after_the_warmup(device, monkeypatch):
    readings = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # runs of 1, 3 and 2 seconds
    monkeypatch.setattr(serving, "clock", lambda device: next(readings))
    calls = []
    assert median_seconds(lambda: calls.append(1), device, repeats=3, warmup=2) == 2.0
    assert len(calls) == 5


@pytest.mark.parametrize("call,match", [
    (lambda m: time_to_first_token(m, []), r"prompt_lengths .* got \[\]"),
    (lambda m: time_to_first_token(m, [8, 0]), r"prompt_lengths .* got \[8, 0\]"),
    (lambda m: throughput(m, [0]), r"batch_sizes .* >= 1, got \[0\]"),
    (lambda m: throughput(m, [-2]), r"batch_sizes .* got \[-2\]"),
    (lambda m: time_per_output_token(m, 8, num_new_tokens=0), r"num_new_tokens .* got 0"),
    (lambda m: time_per_output_token(m, 0), r"prompt_length .* got 0"),
    (lambda m: time_per_token_without_cache(m, -1), r"context_length .* got -1"),
    (lambda m: cache_speedup(m, []), r"context_lengths .* got \[\]"),
    (lambda m: kv_cache_size(m, 4, batch_size=0), r"batch_size .* got 0"),
    (lambda m: median_seconds(lambda: None, m.device, repeats=0), r"repeats .* got 0"),
])
def test_bad_arguments_raise_value_error(tiny, call, match):
    with pytest.raises(ValueError, match=match):
        call(tiny)


def test_filled_cache_holds_n_positions_of_the_computed_size(device):
    model = tiny_llama(seed=0, device=device.type)
    cache = filled_cache(model, 40, batch_size=3)
    assert cache.get_seq_length() == 40
    assert cache_nbytes(cache) == kv_cache_bytes(model.config, 40, 3)


def test_time_per_decode_step_has_one_time_per_length(device):
    model = tiny_llama(seed=0, device=device.type)
    seconds = time_per_decode_step(model, [8, 32], batch_size=2, num_steps=2, repeats=1)
    assert list(seconds) == [8, 32] and all(s > 0 for s in seconds.values())
    with pytest.raises(ValueError, match="num_steps must be an integer >= 1, got 0"):
        time_per_decode_step(model, [8], num_steps=0)
