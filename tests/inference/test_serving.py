import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

from snippets.inference import serving  # noqa: E402
from snippets.inference.decoding import decode_step, prefill  # noqa: E402
from snippets.inference.serving import (  # noqa: E402
    TensorBytes,
    attention_weights_bytes,
    batch_timing,
    cache_nbytes,
    cache_speedup,
    decode_roofline,
    dummy_prompt,
    filled_cache,
    fit_polynomial,
    fresh_process_memory,
    head_dim_of,
    kv_cache_bytes,
    kv_cache_size,
    machine_description,
    median_seconds,
    memory_bandwidth,
    plot_context_costs,
    prefill_flops,
    prefill_peak_bytes,
    throughput,
    time_per_decode_step,
    time_per_output_token,
    time_per_token_without_cache,
    time_to_first_token,
    weight_bytes,
)
from snippets.models import tiny_llama  # noqa: E402

# SmolLM2-135M's shapes, without loading its weights
SMOLLM2_CONFIG = AutoConfig.for_model(
    "llama", num_hidden_layers=30, num_key_value_heads=3, num_attention_heads=9, hidden_size=576,
    head_dim=64, intermediate_size=1536, vocab_size=49152)


@pytest.fixture(scope="module")
def tiny(device):
    return tiny_llama(seed=0, device=device.type)


def odd_heads(device, **overrides):
    """A tiny Llama whose head size is not hidden_size / num_heads, with one KV head, 3 layers."""
    config = dict(head_dim=24, num_key_value_heads=1, num_hidden_layers=3, intermediate_size=96)
    return tiny_llama(seed=0, device=device.type, **(config | overrides))


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
    # with 5 ids to draw from, 200 draws meet 0, 1 and 2 unless they are ruled out
    five_ids = SimpleNamespace(config=SimpleNamespace(vocab_size=5), device=torch.device("cpu"))
    assert set(dummy_prompt(five_ids, 200).flatten().tolist()) == {3, 4}


def test_kv_cache_of_smollm2_per_token():
    assert kv_cache_bytes(SMOLLM2_CONFIG, 1) == 2 * 30 * 3 * 64 * 4 == 46_080  # 45 KiB, float32
    assert kv_cache_bytes(SMOLLM2_CONFIG, 1000, 8, torch.bfloat16) == 46_080 // 2 * 1000 * 8
    with pytest.raises(ValueError, match=r"num_tokens \(0\) and batch_size \(1\) must be >= 1"):
        kv_cache_bytes(SMOLLM2_CONFIG, 0)


def test_smollm2_cache_against_its_weights_as_the_lesson_says():
    weights = 134_515_008 * 4  # the parameters of SmolLM2-135M, float32: 513 MiB
    shares = {n: kv_cache_bytes(SMOLLM2_CONFIG, n) / weights for n in (32, 512, 4096)}
    assert shares[32] < 0.003 and 0.04 < shares[512] < 0.05 and 0.35 < shares[4096] < 0.36
    # a batch of 4 holds as many cache bytes as weight bytes at about 2,900 tokens
    assert 2_900 < weights / kv_cache_bytes(SMOLLM2_CONFIG, 1, batch_size=4) < 2_950


@pytest.mark.parametrize("num_tokens,batch_size", [(1, 1), (5, 2), (9, 3)])
def test_computed_kv_cache_equals_the_real_cache_of_smollm2(smollm2, num_tokens, batch_size):
    model, _ = smollm2
    size = kv_cache_size(model, num_tokens, batch_size)
    assert size.computed_bytes == size.measured_bytes == 46_080 * num_tokens * batch_size


@pytest.mark.parametrize("num_tokens,batch_size", [(1, 1), (5, 4), (64, 2)])
def test_cache_from_the_config_equals_a_real_cache_with_another_head_layout(device, num_tokens,
                                                                            batch_size):
    model = odd_heads(device)  # head_dim 24, not hidden_size / heads = 16; 1 KV head
    size = kv_cache_size(model, num_tokens, batch_size)
    assert (size.num_tokens, size.batch_size) == (num_tokens, batch_size)
    assert size.computed_bytes == size.measured_bytes
    _, cache = prefill(model, dummy_prompt(model, num_tokens, batch_size))
    for step in range(1, 3):  # each decode step adds one position to every layer
        _, cache = decode_step(model, dummy_prompt(model, 1, batch_size)[:, 0], cache)
        assert cache_nbytes(cache) == kv_cache_bytes(model.config, num_tokens + step, batch_size)


def test_cache_size_counts_one_request_by_default_in_the_models_dtype(device):
    model = odd_heads(device).to(torch.bfloat16)  # 2 bytes a number, not float32's 4
    size = kv_cache_size(model, 6)
    assert size.batch_size == 1
    assert size.computed_bytes == size.measured_bytes == kv_cache_bytes(
        model.config, 6, dtype=torch.bfloat16)


def test_head_dim_comes_from_the_config_or_is_an_integer_share_of_hidden_size():
    assert head_dim_of(SimpleNamespace(head_dim=24, hidden_size=64, num_attention_heads=4)) == 24
    for config in (SimpleNamespace(hidden_size=576, num_attention_heads=9),  # no head_dim
                   SimpleNamespace(head_dim=None, hidden_size=576, num_attention_heads=9)):
        head_dim = head_dim_of(config)
        assert head_dim == 64 and isinstance(head_dim, int)


def test_filled_cache_is_shaped_like_a_real_one(device):
    model = odd_heads(device)
    _, real = prefill(model, dummy_prompt(model, 40, 3))
    zeros = filled_cache(model, 40, batch_size=3)
    assert zeros.get_seq_length() == real.get_seq_length() == 40
    assert [layer.keys.shape for layer in zeros.layers] == [
        layer.keys.shape for layer in real.layers]
    assert zeros.layers[0].keys.device == real.layers[0].keys.device


def test_prefill_flops_equal_torch_flop_counter(device):
    model = odd_heads(device, attn_implementation="eager")  # eager: attention as matmuls
    for n in (1, 7, 37):
        with FlopCounterMode(display=False) as counter:
            prefill(model, dummy_prompt(model, n))
        flops = prefill_flops(model.config, n)
        assert flops.num_tokens == n
        assert flops.attention_n2 + flops.everything_else == counter.get_total_flops()
    with pytest.raises(ValueError, match="num_tokens must be an integer >= 1, got 0"):
        prefill_flops(model.config, 0)


def test_attention_share_of_smollm2_prefill_as_the_lesson_says():
    def share(n):
        flops = prefill_flops(SMOLLM2_CONFIG, n)
        return flops.attention_n2 / (flops.attention_n2 + flops.everything_else)

    assert share(16) < 0.01 and share(512) == pytest.approx(0.143, abs=5e-4)
    assert share(3000) < 0.5 < share(3100)  # the n^2 term catches up near 3,072 tokens

    def causal_share(n):  # a causal kernel computes about half of the n x n square
        flops = prefill_flops(SMOLLM2_CONFIG, n)
        return flops.attention_n2 / 2 / (flops.attention_n2 / 2 + flops.everything_else)

    assert causal_share(6000) < 0.5 < causal_share(6300)  # "near 6,000"


def test_tensor_bytes_counts_new_tensors_until_they_are_freed(device):
    weights = torch.ones(10_000, device=device)  # exists before: not counted, nor its views
    with TensorBytes() as counter:
        a = torch.ones(1000, device=device)
        b = weights[:2000] + 1  # new: 2000 floats
        view = b[:10]  # a view: no new memory
        b.add_(1)  # in place: no new memory
        weights.t()
        del a  # freed: the next tensor fits under the peak
        c = torch.ones(500, device=device)
    assert counter.peak == (1000 + 2000) * 4
    assert sum(counter.live.values()) == (2000 + 500) * 4  # b (and its view) and c are alive
    del b, view, c
    assert sum(counter.live.values()) == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="compares with the CUDA allocator")
def test_tensor_bytes_agrees_with_the_cuda_allocator(device):
    if device.type != "cuda":
        pytest.skip("runs under nox -s tests_gpu")
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    with TensorBytes() as counter:
        a = torch.ones(2**20, device=device)
        b = torch.ones(2**21, device=device)
        del a
        c = torch.ones(2**19, device=device)
    assert counter.peak == torch.cuda.max_memory_allocated() - before == (2**20 + 2**21) * 4
    del b, c


def test_eager_attention_holds_one_layer_of_scores_at_a_time(device):
    n = 256
    eager = odd_heads(device, attn_implementation="eager", num_hidden_layers=4)
    sdpa = odd_heads(device, attn_implementation="sdpa", num_hidden_layers=4)
    extra = prefill_peak_bytes(eager, [n])[n] - prefill_peak_bytes(sdpa, [n])[n]
    one_layer = attention_weights_bytes(eager.config, n)  # (heads, n, n) float32
    assert one_layer == 4 * n * n * 4
    # the scores, then the softmax of them: two of one layer at once, never all 4 layers
    assert one_layer <= extra <= 2.5 * one_layer < attention_weights_bytes(eager.config, n, 4)


def test_fits_equal_numpy_polyfit_and_recover_known_coefficients():
    lengths = [64, 128, 256, 512, 1024]
    torch.manual_seed(0)
    values = [0.02 + 1e-5 * n + 3e-9 * n**2 + 1e-4 * torch.randn(()).item() for n in lengths]
    for degree in (1, 2):
        ours = fit_polynomial(lengths, values, degree)
        assert ours == pytest.approx(np.polyfit(lengths, values, degree)[::-1], rel=1e-6)
    assert fit_polynomial(lengths, [3.5 * n**2 for n in lengths], 2) == pytest.approx(
        [0, 0, 3.5], abs=1e-6)
    assert fit_polynomial(lengths, [0.02 + 1e-5 * n for n in lengths], 1) == pytest.approx(
        [0.02, 1e-5])


def test_fits_refuse_too_few_or_unmatched_points():
    with pytest.raises(ValueError, match="got 2 lengths and 1 values"):
        fit_polynomial([1, 2], [1.0], 1)
    with pytest.raises(ValueError, match="at least 3 for degree 2"):
        fit_polynomial([1, 2], [1.0, 2.0], 2)


def test_plot_shows_measured_points_and_the_fitted_line():
    peaks = {"eager": {10: 2**20, 20: 2**22}, "sdpa": {10: 2**20, 20: 2**21}}
    step = {n: 0.01 + 0.001 * n for n in (10, 20, 40)}
    axes = plot_context_costs(peaks, step, crossover=30)
    eager, sdpa = axes[0].get_lines()
    assert list(eager.get_ydata()) == [1, 4] and list(sdpa.get_ydata()) == [1, 2]  # MiB
    fitted, measured, crossover = axes[1].get_lines()
    assert fitted.get_ydata()[0] == pytest.approx(10.0)  # 0.01 s at n = 0, in ms
    assert list(measured.get_xdata()) == [10, 20, 40]
    assert list(crossover.get_xdata()) == [30, 30]
    plt.close("all")


def test_weight_bytes_count_a_tied_embedding_once_and_follow_the_dtype(device):
    tied = tiny_llama(seed=0, device=device.type)  # the output layer is the embedding
    untied = tiny_llama(seed=0, device=device.type, tie_word_embeddings=False)
    embedding = tied.config.vocab_size * tied.config.hidden_size * 4
    assert weight_bytes(untied) - weight_bytes(tied) == embedding
    assert weight_bytes(tied.to(torch.bfloat16)) * 2 == weight_bytes(untied) - embedding
    roofline = decode_roofline(untied, bandwidth=1e9, measured_tokens_per_second=1.0)
    assert roofline.weight_bytes == weight_bytes(untied)
    with pytest.raises(ValueError, match=r"bandwidth \(0\)"):
        decode_roofline(tied, bandwidth=0, measured_tokens_per_second=1.0)


def test_smollm2_weights_are_513_mib(smollm2):
    """The weights the page reads per step, counted from the config's shapes."""
    model, _ = smollm2
    c = model.config
    d, d_kv = c.hidden_size, c.num_key_value_heads * c.head_dim
    per_layer = (2 * d * d + 2 * d * d_kv  # queries and attention output; keys and values
                 + 3 * d * c.intermediate_size + 2 * d)  # MLP; two norms
    num_params = c.vocab_size * d + c.num_hidden_layers * per_layer + d  # tied embedding
    assert weight_bytes(model) == num_params * 4 == 134_515_008 * 4
    assert round(weight_bytes(model) / 2**20) == 513


def test_memory_bandwidth_counts_the_bytes_its_copies_read_and_write(device, monkeypatch):
    copies = []

    class RecordCopies(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func is torch.ops.aten.copy_.default:
                copies.append((args[0].nbytes, args[1].nbytes))
            return func(*args, **(kwargs or {}))

    readings = iter([0.0, 1.0, 10.0, 10.5, 20.0, 22.0])  # copies of 1, 0.5 and 2 seconds
    monkeypatch.setattr(serving, "clock", lambda device: next(readings))
    with RecordCopies():
        bandwidth = memory_bandwidth(device, num_bytes=2**22, repeats=3)
    assert copies == [(2**22, 2**22)] * 4  # a warm-up, then 3 timed copies of 4 MiB into 4 MiB
    written, read = copies[0]
    assert bandwidth == (written + read) / 0.5  # the fastest copy: the least disturbed
    with pytest.raises(ValueError, match="num_bytes must be an integer >= 1, got 0"):
        memory_bandwidth(device, num_bytes=0)
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, got 0"):
        memory_bandwidth(device, repeats=0)


def test_fresh_process_sees_the_eager_scores_of_its_own_run(device, tmp_path):
    tiny_llama(seed=0, device="cpu", attn_implementation="eager").save_pretrained(tmp_path)
    model = AutoModelForCausalLM.from_pretrained(tmp_path, attn_implementation="eager")
    model = model.to(device)
    memory = fresh_process_memory(model, batch_size=8, prompt_length=1024, new_tokens=2)
    one_layer = 8 * attention_weights_bytes(model.config, 1024)  # 128 MiB for the batch of 8
    if device.type == "cuda":
        assert memory.gpu_peak >= one_layer
    else:
        assert memory.gpu_peak is None
        assert memory.peak_during_generate - memory.after_loading >= one_layer
    assert memory.after_imports < memory.after_loading <= memory.peak_during_generate


BIG_THEN_SMALL_PEAK = """
import sys
import torch
from snippets.inference.serving import peak_memory
device = torch.device(sys.argv[1])
big = peak_memory(lambda: torch.ones(2**26, device=device), device)  # 256 MiB
small = peak_memory(lambda: torch.ones(2**20, device=device), device)  # 4 MiB, after it
print(big.num_bytes, small.num_bytes, small.measured_as, sep="\\n")
"""


def test_peak_memory_restarts_from_the_run(device):
    # In a new process: in this one, memory that earlier tests freed can hold the 256 MiB
    # without raising the resident peak, and then both peaks are the same.
    run = subprocess.run([sys.executable, "-c", BIG_THEN_SMALL_PEAK, str(device)],
                         capture_output=True, text=True, check=True)
    big, small, measured_as = run.stdout.strip().splitlines()[-3:]
    if "since it started" in measured_as:
        pytest.skip("this system cannot reset the peak: " + measured_as)
    assert int(big) - int(small) > 200 * 2**20  # the earlier, bigger peak is gone


def test_batch_timing_splits_prefill_from_decode(tiny, monkeypatch):
    readings = iter([0.0, 0.2, 1.0, 10.0, 10.5, 12.5])  # start, prefilled, done; per batch size
    monkeypatch.setattr(serving, "clock", lambda device: next(readings))
    cache_lengths, decoded_rows = [], []
    prefilled_rows = []

    def counting_prefill(model, input_ids):
        prefilled_rows.append(input_ids.shape[0])
        return prefill(model, input_ids)

    def counting_decode_step(model, next_tokens, cache):
        cache_lengths.append(cache.get_seq_length())
        decoded_rows.append(next_tokens.shape[0])  # tokens this step gives, one per request
        return decode_step(model, next_tokens, cache)

    monkeypatch.setattr(serving, "prefill", counting_prefill)
    monkeypatch.setattr(serving, "decode_step", counting_decode_step)
    one, four = batch_timing(tiny, [1, 4], prompt_length=6, new_tokens=5, repeats=1, warmup=0)
    assert cache_lengths == [6, 7, 8, 9] * 2  # 4 decode steps after the first token, per batch
    assert (one.prefill_seconds, one.decode_seconds) == pytest.approx((0.2, 0.8))
    assert (four.prefill_seconds, four.decode_seconds) == pytest.approx((0.5, 2.0))
    assert four.request_latency == pytest.approx(2.5)
    # the throughputs count the tokens the loop really produced: each request's first token
    # from the prefill, the rest from decode steps
    for row, rows_decoded, rows_prefilled in [(one, decoded_rows[:4], prefilled_rows[0]),
                                              (four, decoded_rows[4:], prefilled_rows[1])]:
        assert row.decode_tokens_per_second == pytest.approx(
            sum(rows_decoded) / row.decode_seconds)
        assert row.end_to_end_tokens_per_second == pytest.approx(
            (rows_prefilled + sum(rows_decoded)) / row.request_latency)
        assert row.time_per_output_token == pytest.approx(row.decode_seconds / len(rows_decoded))


def test_time_per_output_token_divides_each_run_by_its_steps(tiny, monkeypatch):
    """Clock readings of 2, 4 and 1 seconds for runs of 4 steps (one warm-up run): the median
    of 4/4 and 1/4 seconds per token is their mean, 0.625."""
    readings = iter([0.0, 2.0, 10.0, 14.0, 20.0, 21.0])  # start, end of each run
    monkeypatch.setattr(serving, "clock", lambda device: next(readings))
    steps = []

    def counting_decode_step(model, next_tokens, cache):
        steps.append(cache.get_seq_length())
        return decode_step(model, next_tokens, cache)

    monkeypatch.setattr(serving, "decode_step", counting_decode_step)
    seconds = time_per_output_token(tiny, 5, num_new_tokens=4, repeats=2, warmup=1)
    assert seconds == pytest.approx(0.625)
    assert steps == [5, 6, 7, 8] * 3  # a fresh prefill of 5 tokens before every run


def test_time_per_decode_step_steps_over_n_cached_positions(tiny, monkeypatch):
    cache_lengths = []

    def counting_decode_step(model, next_tokens, cache):
        cache_lengths.append((next_tokens.shape[0], cache.get_seq_length()))
        return decode_step(model, next_tokens, cache)

    monkeypatch.setattr(serving, "decode_step", counting_decode_step)
    seconds = time_per_decode_step(tiny, [8, 32], batch_size=2, num_steps=2, repeats=1)
    assert list(seconds) == [8, 32]
    assert cache_lengths == [(2, 8), (2, 9)] * 2 + [(2, 32), (2, 33)] * 2  # warm-up, timed run


def test_a_decode_step_over_a_longer_cache_does_more_work(device):
    """The slope of the lesson's context plot: each step reads all n cached positions. Counted in
    floating-point operations, not timed (a timing ratio fails on a loaded machine): with eager
    attention, every cached position costs each query head 2 * head_dim for its score q.k and
    2 * head_dim for its share of the weighted sum of values, in every layer and batch row:
    the attention term of prefill_flops for one token."""
    model = tiny_llama(seed=0, device=device.type, max_position_embeddings=8192)
    model.set_attn_implementation("eager")  # attention as matrix products the counter sees
    batch_size, flops = 4, {}
    for n in (16, 8192):
        cache = filled_cache(model, n, batch_size)
        with FlopCounterMode(display=False) as counter:
            decode_step(model, dummy_prompt(model, 1, batch_size)[:, 0], cache)
        flops[n] = counter.get_total_flops()
    # a prefill of one token is one query against one key: what each cached position adds
    per_position = prefill_flops(model.config, 1).attention_n2
    assert flops[8192] - flops[16] == per_position * batch_size * (8192 - 16)


def test_throughput_counts_every_row_of_the_batch(tiny, monkeypatch):
    readings = iter(range(100))  # every generate() call takes 1 "second"
    monkeypatch.setattr(serving, "clock", lambda device: float(next(readings)))
    assert throughput(tiny, [1, 3], prompt_length=4, max_new_tokens=2, repeats=1) == {
        1: 2.0, 3: 6.0}


def test_the_cache_makes_decoding_faster_at_512_tokens_in_the_same_run(smollm2):
    model, _ = smollm2
    (row,) = cache_speedup(model, [512], num_new_tokens=1, repeats=1)
    assert row.seconds_without_cache > 2 * row.seconds_with_cache


def test_a_longer_prompt_takes_longer_to_prefill(smollm2):
    model, _ = smollm2
    ttft = time_to_first_token(model, [8, 256], repeats=1)
    assert ttft[256] > 2 * ttft[8]


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
    (lambda m: batch_timing(m, [-2]), r"batch_sizes .* got \[-2\]"),
    (lambda m: batch_timing(m, [1], new_tokens=1), r"new_tokens must be >= 2 .* got 1"),
    (lambda m: time_per_output_token(m, 8, num_new_tokens=0), r"num_new_tokens .* got 0"),
    (lambda m: time_per_output_token(m, 0), r"prompt_length .* got 0"),
    (lambda m: time_per_token_without_cache(m, -1), r"context_length .* got -1"),
    (lambda m: cache_speedup(m, []), r"context_lengths .* got \[\]"),
    (lambda m: kv_cache_size(m, 4, batch_size=0), r"batch_size .* got 0"),
    (lambda m: median_seconds(lambda: None, m.device, repeats=0), r"repeats .* got 0"),
    (lambda m: prefill_peak_bytes(m, []), r"lengths .* got \[\]"),
    (lambda m: fresh_process_memory(m, prompt_length=0), r"prompt_length must be >= 1, got 0"),
    (lambda m: fresh_process_memory(m), r"no checkpoint to load \(name_or_path is empty\)"),
    (lambda m: time_per_decode_step(m, [8], num_steps=0), r"num_steps .* >= 1, got 0"),
])
def test_bad_arguments_raise_value_error(tiny, call, match):
    with pytest.raises(ValueError, match=match):
        call(tiny)


def test_smollm2_prefill_memory_as_the_lesson_says(smollm2, smollm2_eager):
    (model, _), (eager, _) = smollm2, smollm2_eager
    sdpa_peak = prefill_peak_bytes(model, [128, 256])
    assert 1.9 < sdpa_peak[256] / sdpa_peak[128] < 2.1  # SDPA: linear, no n x n tensor
    eager_peak = prefill_peak_bytes(eager, [128, 256])
    for n in (128, 256):  # eager: one to two layers' scores more, never all 30 layers'
        extra = eager_peak[n] - sdpa_peak[n]
        assert attention_weights_bytes(model.config, n) < extra
        assert extra < 2 * attention_weights_bytes(model.config, n)
