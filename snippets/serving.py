"""Serving metrics: time to first token, time per token, throughput, memory, the roofline."""

from snippets.decoding import decode_step, prefill  # shown in the lesson by their own sections

# --8<-- [start:machine]
import os
import platform
from pathlib import Path

import torch


def cpu_name() -> str:
    """The processor's model name, from /proc/cpuinfo where there is one."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_description(device: str | torch.device) -> str:
    """What a measurement ran on: the GPU, or the CPU and its cores; and the torch version."""
    device = torch.device(device)
    if device.type == "cuda":
        gpu = torch.cuda.get_device_properties(device)
        hardware = f"{gpu.name} ({gpu.total_memory / 2**30:.0f} GiB)"
    else:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        hardware = f"{cpu_name()}, {cores} CPU cores (torch uses {torch.get_num_threads()})"
    return f"{hardware}; torch {torch.__version__}"
# --8<-- [end:machine]


# --8<-- [start:clock]
import statistics
import time
from collections.abc import Callable, Iterable

import torch


def check_positive(name: str, value: int) -> int:
    """Raise ValueError unless `value` is an integer >= 1."""
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value}")
    return value


def check_sizes(name: str, values: Iterable[int]) -> list[int]:
    """Raise ValueError unless `values` is a non-empty list of integers >= 1."""
    values = list(values)
    if not values or any(int(v) != v or v < 1 for v in values):
        raise ValueError(f"{name} must be a non-empty list of integers >= 1, got {values}")
    return values


def clock(device: torch.device) -> float:
    """Seconds on a wall clock, read after the device has finished its queued work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # GPU kernels run asynchronously: wait for them
    return time.perf_counter()


def median_seconds(run: Callable[[], object], device: torch.device, repeats: int = 3,
                   warmup: int = 1) -> float:
    """Median wall-clock seconds of `run()` over `repeats` runs, after `warmup` untimed runs."""
    check_positive("repeats", repeats)
    for _ in range(warmup):
        run()
    seconds = []
    for _ in range(repeats):
        start = clock(device)
        run()
        seconds.append(clock(device) - start)
    return statistics.median(seconds)


def dummy_prompt(model, num_tokens: int, batch_size: int = 1) -> torch.Tensor:
    """(batch_size, num_tokens) fixed random token ids: the cost depends on the length only."""
    check_positive("num_tokens", num_tokens)
    check_positive("batch_size", batch_size)
    generator = torch.Generator().manual_seed(0)
    row = torch.randint(3, model.config.vocab_size, (1, num_tokens), generator=generator)
    return row.repeat(batch_size, 1).to(model.device)  # identical rows: no padding needed
# --8<-- [end:clock]


# --8<-- [start:ttft]
# Needs: serving.py:clock, decoding.py:prefill
import torch


def time_to_first_token(model, prompt_lengths: list[int], repeats: int = 3,
                        warmup: int = 1) -> dict[int, float]:
    """Median seconds from prompt to first token (prefill + argmax), for each prompt length."""
    seconds = {}
    for num_tokens in check_sizes("prompt_lengths", prompt_lengths):
        input_ids = dummy_prompt(model, num_tokens)

        def first_token(input_ids=input_ids) -> torch.Tensor:
            logits, _ = prefill(model, input_ids)  # phase 1: the whole prompt at once
            return logits.argmax(dim=-1)

        seconds[num_tokens] = median_seconds(first_token, model.device, repeats, warmup)
    return seconds
# --8<-- [end:ttft]


# --8<-- [start:tpot]
# Needs: serving.py:clock, decoding.py:decode_step, decoding.py:prefill
import statistics


def time_per_output_token(model, prompt_length: int, num_new_tokens: int = 8,
                          repeats: int = 3, warmup: int = 1) -> float:
    """Median seconds per decode step after a prompt of `prompt_length` tokens (prefill untimed)."""
    check_positive("prompt_length", prompt_length)
    check_positive("num_new_tokens", num_new_tokens)
    check_positive("repeats", repeats)
    input_ids = dummy_prompt(model, prompt_length)
    seconds = []
    for _ in range(warmup + repeats):
        logits, cache = prefill(model, input_ids)  # a fresh cache for every run, not timed
        next_tokens = logits.argmax(dim=-1)
        start = clock(model.device)
        for _ in range(num_new_tokens):  # phase 2: one token per step
            logits, cache = decode_step(model, next_tokens, cache)
            next_tokens = logits.argmax(dim=-1)
        seconds.append((clock(model.device) - start) / num_new_tokens)
    return statistics.median(seconds[warmup:])
# --8<-- [end:tpot]


# --8<-- [start:throughput]
# Needs: serving.py:clock
import torch


def throughput(model, batch_sizes: list[int], prompt_length: int = 32,
               max_new_tokens: int = 16, repeats: int = 3, warmup: int = 1) -> dict[int, float]:
    """Generated tokens per second of model.generate, for each batch size of identical prompts."""
    tokens_per_second = {}
    for batch_size in check_sizes("batch_sizes", batch_sizes):
        input_ids = dummy_prompt(model, prompt_length, batch_size)

        def generate(input_ids=input_ids) -> torch.Tensor:
            return model.generate(
                input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
                max_new_tokens=max_new_tokens,
                min_new_tokens=max_new_tokens,  # no early end: every run generates the same count
            )

        seconds = median_seconds(generate, model.device, repeats, warmup)
        tokens_per_second[batch_size] = batch_size * max_new_tokens / seconds
    return tokens_per_second
# --8<-- [end:throughput]


# --8<-- [start:kv_cache_size]
# Needs: serving.py:clock, decoding.py:prefill
from dataclasses import dataclass

import torch
from transformers import DynamicCache


def head_dim_of(config) -> int:
    """Size of one attention head: the config's head_dim, else hidden_size / num_heads."""
    return getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads


def kv_cache_bytes(config, num_tokens: int, batch_size: int = 1,
                   dtype: torch.dtype = torch.float32) -> int:
    """Bytes of the KV cache, from the config: keys and values of every layer and KV head."""
    check_positive("num_tokens", num_tokens)
    check_positive("batch_size", batch_size)
    return (2 * config.num_hidden_layers * config.num_key_value_heads * head_dim_of(config)  # K, V
            * num_tokens * batch_size * dtype.itemsize)


def cache_nbytes(cache: DynamicCache) -> int:
    """Bytes held by a real cache: the key and value tensors of each of its layers."""
    return sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)


@dataclass
class KVCacheSize:
    num_tokens: int
    batch_size: int
    computed_bytes: int  # from the config
    measured_bytes: int  # from the tensors of a real cache


def kv_cache_size(model, num_tokens: int, batch_size: int = 1) -> KVCacheSize:
    """The KV cache after a prefill of (batch_size, num_tokens): computed and measured."""
    _, cache = prefill(model, dummy_prompt(model, num_tokens, batch_size))
    computed = kv_cache_bytes(model.config, num_tokens, batch_size, model.dtype)
    return KVCacheSize(num_tokens, batch_size, computed, cache_nbytes(cache))
# --8<-- [end:kv_cache_size]


# --8<-- [start:peak_memory]
import resource
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class PeakMemory:
    num_bytes: int
    measured_as: str  # what the number counts


def peak_memory(run: Callable[[], object], device: torch.device) -> PeakMemory:
    """Peak memory while `run()` runs: GPU tensors on CUDA, the process's peak RSS on CPU."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        run()
        torch.cuda.synchronize(device)
        return PeakMemory(torch.cuda.max_memory_allocated(device),
                          "torch.cuda.max_memory_allocated: GPU tensors during the run")
    run()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    scale = 1 if sys.platform == "darwin" else 1024
    return PeakMemory(max_rss * scale,
                      "peak RSS of the whole process since it started (getrusage ru_maxrss)")
# --8<-- [end:peak_memory]


# --8<-- [start:cache_speedup]
# Needs: serving.py:clock, serving.py:tpot
from dataclasses import dataclass

import torch


def time_per_token_without_cache(model, context_length: int, num_new_tokens: int = 4,
                                 repeats: int = 3, warmup: int = 1) -> float:
    """Median seconds per new token when every step runs the model over the whole sequence."""
    check_positive("context_length", context_length)
    check_positive("num_new_tokens", num_new_tokens)
    input_ids = dummy_prompt(model, context_length)

    def recompute_everything() -> torch.Tensor:
        generated = input_ids
        for _ in range(num_new_tokens):
            with torch.no_grad():  # no cache: keys and values of all tokens computed again
                outputs = model(input_ids=generated, use_cache=False, logits_to_keep=1)
            next_token = outputs.logits[:, -1].argmax(dim=-1)
            generated = torch.cat([generated, next_token[:, None]], dim=-1)
        return generated

    return median_seconds(recompute_everything, model.device, repeats, warmup) / num_new_tokens


@dataclass
class CacheSpeedup:
    context_length: int
    seconds_with_cache: float  # per new token
    seconds_without_cache: float  # per new token
    speedup: float


def cache_speedup(model, context_lengths: list[int], num_new_tokens: int = 4,
                  repeats: int = 3) -> list[CacheSpeedup]:
    """Time per new token with and without the KV cache, at each context length."""
    rows = []
    for n in check_sizes("context_lengths", context_lengths):
        with_cache = time_per_output_token(model, n, num_new_tokens, repeats)
        without_cache = time_per_token_without_cache(model, n, num_new_tokens, repeats)
        rows.append(CacheSpeedup(n, with_cache, without_cache, without_cache / with_cache))
    return rows
# --8<-- [end:cache_speedup]


# --8<-- [start:step_time]
# Needs: serving.py:clock, decoding.py:decode_step, serving.py:kv_cache_size
import statistics

import torch
from transformers import DynamicCache


def filled_cache(model, context_length: int, batch_size: int = 1) -> DynamicCache:
    """A KV cache already holding `context_length` positions in every layer (all zeros)."""
    config = model.config
    shape = (batch_size, config.num_key_value_heads, context_length, head_dim_of(config))
    cache = DynamicCache(config=config)
    for layer in range(config.num_hidden_layers):  # the values do not change the cost
        keys = torch.zeros(shape, dtype=model.dtype, device=model.device)
        cache.update(keys, torch.zeros_like(keys), layer)
    return cache


def time_per_decode_step(model, context_lengths: list[int], batch_size: int = 1,
                         num_steps: int = 4, repeats: int = 3) -> dict[int, float]:
    """Median seconds of one decode step with `n` positions already in the cache, for each n."""
    check_positive("num_steps", num_steps)
    check_positive("repeats", repeats)
    seconds = {}
    for n in check_sizes("context_lengths", context_lengths):
        next_tokens = dummy_prompt(model, 1, batch_size)[:, 0]
        runs = []
        for _ in range(1 + repeats):  # the first run warms up
            cache = filled_cache(model, n, batch_size)  # not timed: no prefill needed
            start = clock(model.device)
            for _ in range(num_steps):
                _, cache = decode_step(model, next_tokens, cache)  # reads all n cached positions
            runs.append((clock(model.device) - start) / num_steps)
        seconds[n] = statistics.median(runs[1:])
    return seconds
# --8<-- [end:step_time]


# --8<-- [start:attention_memory]
# Needs: serving.py:clock
import torch


def attention_matrix_bytes(model, lengths: list[int]) -> dict[int, int]:
    """Bytes of the attention weights of all layers and heads, for a prompt of each length."""
    if model.config._attn_implementation != "eager":
        raise ValueError(
            f"attention implementation is {model.config._attn_implementation!r}: only 'eager' "
            "returns attention weights; load the model with attn_implementation='eager'"
        )
    num_bytes = {}
    for n in check_sizes("lengths", lengths):
        with torch.no_grad():
            outputs = model(input_ids=dummy_prompt(model, n), output_attentions=True)
        # one (batch_size, num_heads, n, n) tensor per layer: n^2 scores per head
        num_bytes[n] = sum(weights.nbytes for weights in outputs.attentions)
        del outputs  # free this length's weights before the next, longer one
    return num_bytes
# --8<-- [end:attention_memory]


# --8<-- [start:fits]
import torch


def check_points(lengths: list[int], values: list[float], at_least: int) -> None:
    """Raise ValueError unless there are `at_least` points, one value per length."""
    if len(lengths) != len(values) or len(lengths) < at_least:
        raise ValueError(
            f"got {len(lengths)} lengths and {len(values)} values: "
            f"need the same number of each, at least {at_least}"
        )


def fit_quadratic(lengths: list[int], values: list[float]) -> float:
    """Least-squares `a` of values ~ a * n^2."""
    check_points(lengths, values, at_least=1)
    n = torch.tensor(lengths, dtype=torch.float64)
    X = (n**2)[:, None]  # one column: n^2
    y = torch.tensor(values, dtype=torch.float64)[:, None]
    return torch.linalg.lstsq(X, y).solution.item()


def fit_line(lengths: list[int], values: list[float]) -> tuple[float, float]:
    """Least-squares `(a, b)` of values ~ a + b * n."""
    check_points(lengths, values, at_least=2)
    n = torch.tensor(lengths, dtype=torch.float64)
    X = torch.stack([torch.ones_like(n), n], dim=1)  # columns: 1, n
    y = torch.tensor(values, dtype=torch.float64)[:, None]
    a, b = torch.linalg.lstsq(X, y).solution.flatten().tolist()
    return a, b
# --8<-- [end:fits]


# --8<-- [start:context_plot]
# Needs: serving.py:fits
import matplotlib.pyplot as plt
import torch


def plot_context_costs(attention_bytes: dict[int, int], step_seconds: dict[int, float],
                       axes=None):
    """Measured attention memory and decode-step time against length, with the fitted curves."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4))
    a = fit_quadratic(list(attention_bytes), list(attention_bytes.values()))
    c, d = fit_line(list(step_seconds), list(step_seconds.values()))
    panels = [
        (axes[0], attention_bytes, lambda n: a * n**2, f"fit {a:.3g} n²",
         "attention weights (MiB)", 2**-20),
        (axes[1], step_seconds, lambda n: c + d * n, f"fit {c:.3g} + {d:.3g} n",
         "time per decode step (ms)", 1e3),
    ]
    for ax, measured, fitted, label, ylabel, scale in panels:
        n = torch.linspace(0, max(measured), 100)
        ax.plot(n, fitted(n) * scale, label=label)
        ax.plot(list(measured), [v * scale for v in measured.values()], "o", label="measured")
        ax.set(xlabel="context length n (tokens)", ylabel=ylabel)
        ax.legend()
    return axes
# --8<-- [end:context_plot]


# --8<-- [start:roofline]
# Needs: serving.py:clock
from dataclasses import dataclass

import torch


def memory_bandwidth(device: torch.device, num_bytes: int = 2**28, repeats: int = 5) -> float:
    """Bytes per second of a large tensor copy on `device`, counting bytes read and written."""
    check_positive("num_bytes", num_bytes)
    device = torch.device(device)
    source = torch.ones(num_bytes // 4, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    seconds = median_seconds(lambda: target.copy_(source), device, repeats)
    return 2 * source.nbytes / seconds  # each byte read once and written once


def weight_bytes(model) -> int:
    """Bytes of the parameters: what each decode step reads from memory at least once."""
    return sum(p.numel() * p.element_size() for p in model.parameters())


@dataclass
class Roofline:
    weight_bytes: int
    bandwidth: float  # bytes per second
    max_tokens_per_second: float  # bandwidth / weight_bytes: the memory-bound ceiling
    measured_tokens_per_second: float
    fraction_of_ceiling: float


def decode_roofline(model, bandwidth: float, measured_tokens_per_second: float) -> Roofline:
    """Upper bound on single-sequence decode speed (every weight read once a token) vs measured."""
    if bandwidth <= 0 or measured_tokens_per_second <= 0:
        raise ValueError(
            f"bandwidth ({bandwidth}) and measured_tokens_per_second "
            f"({measured_tokens_per_second}) must both be > 0"
        )
    num_bytes = weight_bytes(model)
    ceiling = bandwidth / num_bytes
    return Roofline(num_bytes, bandwidth, ceiling, measured_tokens_per_second,
                    measured_tokens_per_second / ceiling)
# --8<-- [end:roofline]
