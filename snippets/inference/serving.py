"""Serving metrics: time to first token, time per token, batching, memory, long contexts."""

from snippets.checks import require  # shown in lessons by its own section

# shown in the lesson by their own sections
from snippets.inference.decoding import decode_step, prefill

# Measures the machine, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
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
# Needs: inference/serving.py:clock, inference/decoding.py:prefill
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
# pragma: no mutate end


# --8<-- [start:prefill_flops]
# Needs: inference/serving.py:kv_cache_bytes, checks.py:require
from dataclasses import dataclass


@dataclass
class PrefillFlops:
    num_tokens: int
    attention_n2: int  # Q K^T and weights x V: n x n per head, in every layer
    everything_else: int  # the projections and the MLP (n per layer), the last position's logits


def prefill_flops(config, num_tokens: int) -> PrefillFlops:
    """Matrix-product FLOPs of a prefill over `num_tokens` (2 per multiply-add), split by term."""
    require(num_tokens >= 1, f"num_tokens must be an integer >= 1, got {num_tokens}")
    n, d, L = num_tokens, config.hidden_size, config.num_hidden_layers
    d_heads = config.num_attention_heads * head_dim_of(config)  # all query heads together
    d_kv = config.num_key_value_heads * head_dim_of(config)  # all key-value heads together
    linear_weights = (d * d_heads + 2 * d * d_kv + d_heads * d  # W_q, W_k, W_v, W_o
                      + 3 * d * config.intermediate_size)  # MLP: gate, up, down
    attention_n2 = L * 2 * (2 * n * n * d_heads)  # scores Q K^T, then weights x V: full n x n
    projections = L * 2 * n * linear_weights  # every token through every weight matrix
    logits = 2 * d * config.vocab_size  # logits_to_keep=1: only the last position's
    return PrefillFlops(n, attention_n2, projections + logits)
# --8<-- [end:prefill_flops]


# Measures the machine, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:tpot]
# Needs: inference/serving.py:clock, inference/decoding.py:decode_step
# Needs: inference/decoding.py:prefill
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


# --8<-- [start:batching]
# Needs: inference/serving.py:clock, inference/decoding.py:prefill
# Needs: inference/decoding.py:decode_step
import statistics
from dataclasses import dataclass


@dataclass
class BatchTiming:
    batch_size: int
    new_tokens: int  # per request: the first from the prefill, the rest from decode steps
    prefill_seconds: float  # one pass over all the batch's prompts
    decode_seconds: float  # new_tokens - 1 decode steps, each for all rows at once

    @property
    def request_latency(self) -> float:
        """Seconds until every request of the batch has its whole answer."""
        return self.prefill_seconds + self.decode_seconds

    @property
    def time_per_output_token(self) -> float:
        """Seconds between two tokens of one request, during the decode."""
        return self.decode_seconds / (self.new_tokens - 1)

    @property
    def decode_tokens_per_second(self) -> float:
        """Tokens generated per second by the decode steps alone, over the whole batch."""
        return self.batch_size * (self.new_tokens - 1) / self.decode_seconds

    @property
    def end_to_end_tokens_per_second(self) -> float:
        """Tokens generated per second, prefill included, over the whole batch."""
        return self.batch_size * self.new_tokens / self.request_latency


def batch_timing(model, batch_sizes: list[int], prompt_length: int = 32, new_tokens: int = 16,
                 repeats: int = 3, warmup: int = 1) -> list[BatchTiming]:
    """Prefill and decode seconds (medians) of greedy generation for each batch of prompts."""
    if new_tokens < 2:
        raise ValueError(f"new_tokens must be >= 2 (one from the prefill, one decoded), "
                         f"got {new_tokens}")
    check_positive("repeats", repeats)
    rows = []
    for batch_size in check_sizes("batch_sizes", batch_sizes):
        input_ids = dummy_prompt(model, prompt_length, batch_size)
        prefill_runs, decode_runs = [], []
        for _ in range(warmup + repeats):
            start = clock(model.device)
            logits, cache = prefill(model, input_ids)  # all prompts of the batch in one pass
            next_tokens = logits.argmax(dim=-1)  # (batch_size,): every request's first token
            prefilled = clock(model.device)
            for _ in range(new_tokens - 1):  # one step gives one more token to every request
                logits, cache = decode_step(model, next_tokens, cache)
                next_tokens = logits.argmax(dim=-1)
            prefill_runs.append(prefilled - start)
            decode_runs.append(clock(model.device) - prefilled)
        rows.append(BatchTiming(batch_size, new_tokens, statistics.median(prefill_runs[warmup:]),
                                statistics.median(decode_runs[warmup:])))
    return rows
# --8<-- [end:batching]
# pragma: no mutate end


# --8<-- [start:kv_cache_bytes]
# Needs: checks.py:require
import torch


def head_dim_of(config) -> int:
    """Size of one attention head: the config's head_dim, else hidden_size / num_heads."""
    return getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads


def kv_cache_bytes(config, num_tokens: int, batch_size: int = 1,
                   dtype: torch.dtype = torch.float32) -> int:
    """Bytes of the KV cache, from the config: keys and values of every layer and KV head."""
    require(num_tokens >= 1 and batch_size >= 1,
            f"num_tokens ({num_tokens}) and batch_size ({batch_size}) must be >= 1")
    return (2 * config.num_hidden_layers * config.num_key_value_heads * head_dim_of(config)  # K, V
            * num_tokens * batch_size * dtype.itemsize)
# --8<-- [end:kv_cache_bytes]


# --8<-- [start:kv_cache_size]
# Needs: inference/serving.py:kv_cache_bytes, inference/serving.py:clock
# Needs: inference/decoding.py:prefill
from dataclasses import dataclass

from transformers import DynamicCache


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


# Measures the machine, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:fresh_process_memory]
import json
import subprocess
import sys
from dataclasses import dataclass

# What the fresh process runs: load the model, then generate, reading its peak memory after each.
FRESH_PROCESS = r'''
import json, sys
from pathlib import Path

STATUS = Path("/proc/self/status")  # Linux: what this process holds now (VmRSS), at most (VmHWM)


def resident(field):
    """Bytes of VmRSS or VmHWM; without /proc, the peak since the start (getrusage)."""
    if not STATUS.exists():
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    line = next(line for line in STATUS.read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) * 1024  # the file gives KiB


import torch
from transformers import AutoModelForCausalLM

checkpoint, device, attn_implementation, *sizes = sys.argv[1:]
batch_size, prompt_length, new_tokens = map(int, sizes)
after_imports = resident("VmRSS")
model = AutoModelForCausalLM.from_pretrained(checkpoint, attn_implementation=attn_implementation)
model = model.to(device).eval()
with torch.no_grad():
    sum(p.sum().item() for p in model.parameters())  # read every weight: all are resident now
after_loading = resident("VmRSS")
try:  # Linux: the high-water mark starts again from here
    Path("/proc/self/clear_refs").write_text("5")
except OSError:  # elsewhere the peak is the process's since it started
    pass
input_ids = torch.randint(3, model.config.vocab_size, (batch_size, prompt_length), device=device)
model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
               max_new_tokens=new_tokens, min_new_tokens=new_tokens)
gpu_peak = torch.cuda.max_memory_allocated(device) if device.startswith("cuda") else None
print(json.dumps(dict(after_imports=after_imports, after_loading=after_loading,
                      peak_during_generate=resident("VmHWM"), gpu_peak=gpu_peak)))
'''


@dataclass
class ProcessMemory:
    after_imports: int  # resident bytes: Python, torch, transformers
    after_loading: int  # ... and the weights
    peak_during_generate: int  # the most resident while generate() ran
    gpu_peak: int | None  # torch.cuda.max_memory_allocated on a GPU: weights, cache, activations


def fresh_process_memory(model, batch_size: int = 1, prompt_length: int = 32,
                         new_tokens: int = 16) -> ProcessMemory:
    """Peak memory of a new Python process that loads `model`'s checkpoint and runs generate()."""
    for name, value in [("batch_size", batch_size), ("prompt_length", prompt_length),
                        ("new_tokens", new_tokens)]:
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if not model.name_or_path:
        raise ValueError("the model has no checkpoint to load (name_or_path is empty): "
                         "save_pretrained it to a folder and load it from there")
    arguments = [str(model.name_or_path), str(model.device), model.config._attn_implementation,
                 str(batch_size), str(prompt_length), str(new_tokens)]
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, *arguments],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the fresh process failed:\n{result.stderr[-2000:]}")
    return ProcessMemory(**json.loads(result.stdout.strip().splitlines()[-1]))
# --8<-- [end:fresh_process_memory]


# --8<-- [start:cache_speedup]
# Needs: inference/serving.py:clock, inference/serving.py:tpot
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
# Needs: inference/serving.py:clock, inference/decoding.py:decode_step
# Needs: inference/serving.py:kv_cache_bytes
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


# --8<-- [start:tensor_bytes]
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.weak import WeakIdKeyDictionary


class TensorBytes(TorchDispatchMode):
    """While active, counts the bytes of the tensors that operations create, and their peak."""

    def __init__(self):
        super().__init__()
        self.live = WeakIdKeyDictionary()  # storage -> bytes, dropped when the storage is freed
        self.peak = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        outputs = func(*args, **(kwargs or {}))
        inputs = {id(t.untyped_storage()) for t in tree_leaves((args, kwargs))
                  if isinstance(t, torch.Tensor)}
        for t in tree_leaves(outputs):
            if isinstance(t, torch.Tensor) and id(t.untyped_storage()) not in inputs:
                self.live[t.untyped_storage()] = t.untyped_storage().nbytes()  # newly allocated
        self.peak = max(self.peak, sum(self.live.values()))  # inputs and outputs both alive
        return outputs
# --8<-- [end:tensor_bytes]


# --8<-- [start:attention_memory]
# Needs: inference/serving.py:tensor_bytes, inference/serving.py:clock
# Needs: inference/decoding.py:prefill
import torch


def prefill_peak_bytes(model, lengths: list[int]) -> dict[int, int]:
    """Peak bytes of the tensors a prefill creates (weights not counted), for each prompt length."""
    peak_bytes = {}
    for n in check_sizes("lengths", lengths):
        input_ids = dummy_prompt(model, n)
        with TensorBytes() as counter:
            prefill(model, input_ids)  # scores, activations, the KV cache, the last logits
        peak_bytes[n] = counter.peak
    return peak_bytes


def attention_weights_bytes(config, n: int, num_layers: int = 1) -> int:
    """Bytes of the (num_heads, n, n) float32 attention weights of `num_layers` layers."""
    return num_layers * config.num_attention_heads * n * n * 4
# --8<-- [end:attention_memory]


# --8<-- [start:fits]
import torch


def fit_polynomial(lengths: list[int], values: list[float], degree: int) -> list[float]:
    """Least-squares [a_0, ..., a_degree] of values ~ a_0 + a_1 n + ... + a_degree n^degree."""
    if len(lengths) != len(values) or len(lengths) < degree + 1:
        raise ValueError(
            f"got {len(lengths)} lengths and {len(values)} values: need the same number of "
            f"each, at least {degree + 1} for degree {degree}"
        )
    n = torch.tensor(lengths, dtype=torch.float64)
    X = torch.stack([n**k for k in range(degree + 1)], dim=1)  # columns: 1, n, n^2, ...
    y = torch.tensor(values, dtype=torch.float64)[:, None]
    return torch.linalg.lstsq(X, y).solution.flatten().tolist()
# --8<-- [end:fits]


# --8<-- [start:context_plot]
# Needs: inference/serving.py:fits
import matplotlib.pyplot as plt
import torch


def plot_context_costs(peak_bytes: dict[str, dict[int, int]], step_seconds: dict[int, float],
                       crossover: float | None = None, axes=None):
    """Left: measured peak bytes per prompt length. Right: decode-step time, with a fitted line."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4))
    for label, measured in peak_bytes.items():
        axes[0].plot(list(measured), [v / 2**20 for v in measured.values()], "o-", label=label)
    axes[0].set(xlabel="prompt length n (tokens)", ylabel="MiB", title="peak memory of a prefill")
    a, b = fit_polynomial(list(step_seconds), list(step_seconds.values()), degree=1)
    n = torch.linspace(0, max(step_seconds), 100)
    axes[1].plot(n, (a + b * n) * 1e3, label=f"fit {a * 1e3:.3g} + {b * 1e3:.3g} n ms")
    axes[1].plot(list(step_seconds), [s * 1e3 for s in step_seconds.values()], "o",
                 label="measured")
    if crossover is not None:
        axes[1].axvline(crossover, color="gray", linestyle=":", label="cache = weights")
    axes[1].set(xlabel="context length n (tokens)", ylabel="ms",
                title="time per decode step", ylim=(0, None))
    for ax in axes:
        ax.legend()
    return axes
# --8<-- [end:context_plot]


# --8<-- [start:roofline]
# Needs: inference/serving.py:clock
from dataclasses import dataclass

import torch


def memory_bandwidth(device: torch.device, num_bytes: int = 2**28, repeats: int = 5) -> float:
    """Bytes per second of a large tensor copy on `device`, counting bytes read and written.

    The fastest of `repeats` copies after a warm-up, as the STREAM benchmark reports its best
    rate: other work on the machine can only slow a copy down, never speed it up.
    """
    check_positive("num_bytes", num_bytes)
    check_positive("repeats", repeats)
    device = torch.device(device)
    source = torch.ones(num_bytes // 4, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    target.copy_(source)  # warm-up: the pages of the target are touched once
    seconds = []
    for _ in range(repeats):
        start = clock(device)
        target.copy_(source)
        seconds.append(clock(device) - start)
    return 2 * source.nbytes / min(seconds)  # each byte read once and written once


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


# Used by benchmarks/inference.py; the lesson shows batch_timing and fresh_process_memory instead.
import resource
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch


def throughput(model, batch_sizes: list[int], prompt_length: int = 32,
               max_new_tokens: int = 16, repeats: int = 3, warmup: int = 1) -> dict[int, float]:
    """End-to-end tokens per second of model.generate (prefill included), for each batch size."""
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


@dataclass
class PeakMemory:
    num_bytes: int
    measured_as: str  # what the number counts


def peak_memory(run: Callable[[], object], device: torch.device) -> PeakMemory:
    """Peak memory while `run()` runs: GPU tensors on CUDA, else this process's resident peak."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        run()
        torch.cuda.synchronize(device)
        return PeakMemory(torch.cuda.max_memory_allocated(device),
                          "torch.cuda.max_memory_allocated: GPU tensors during the run")
    status = Path("/proc/self/status")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: restart the high-water mark here
    except OSError:  # elsewhere, or not allowed: the peak since the process started
        run()
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, B on macOS
        return PeakMemory(max_rss * (1 if sys.platform == "darwin" else 1024),
                          "peak RSS of the whole process since it started (getrusage ru_maxrss)")
    run()
    line = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM"))
    return PeakMemory(int(line.split()[1]) * 1024,
                      "peak RSS of this process during the run (VmHWM, reset just before it), "
                      "so it includes Python, the libraries and the weights")
# pragma: no mutate end
