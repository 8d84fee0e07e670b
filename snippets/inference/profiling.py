"""Where the time of one decode step goes: a torch.profiler trace, split into categories."""

# --8<-- [start:profile_step]
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.profiler import ProfilerActivity, profile, record_function

# The operations that multiply activations by a weight matrix (the bytes the roofline counts)
MATMUL_OPS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::mv", "aten::addmv",
              "aten::_weight_int8pack_mm", "aten::_weight_int4pack_mm",
              "aten::_weight_int4pack_mm_for_cpu"}
CATEGORIES = ("matrix products", "attention", "other operations", "between operations")
os.environ.setdefault("KINETO_LOG_LEVEL", "6")  # before the first trace: no native log lines


def category_of(op_name: str) -> str:
    """The category of one profiled operation, by its name."""
    if op_name in MATMUL_OPS:
        return "matrix products"
    if "scaled_dot_product" in op_name or "attention" in op_name:
        return "attention"  # reads the KV cache
    return "other operations"  # elementwise, norms, copies, reshapes, the cache's own updates


@dataclass
class StepProfile:
    total_seconds: float  # wall clock of the profiled step
    seconds: dict[str, float]  # per category of CATEGORIES; they add up to total_seconds
    calls: dict[str, int]  # operator calls per category, wrappers (aten::linear) included
    unprofiled_seconds: float  # median wall clock of the same step just before, unprofiled


def profile_step(step: Callable[[], object], device: torch.device,
                 unprofiled_runs: int = 3) -> StepProfile:
    """Profile one call of `step()`: time in matrix products, attention, other ops, and between.

    On a CPU an operation's time is its own CPU time (children excluded); "between operations"
    is the Python and framework code that runs between them. On a GPU it is the time of the
    kernels it launched, and "between operations" is the time the GPU sat idle waiting for work.
    Before the profiled call, `step()` runs `unprofiled_runs` times without the profiler.
    """
    if unprofiled_runs < 1:
        raise ValueError(f"unprofiled_runs must be >= 1, got {unprofiled_runs}")
    device = torch.device(device)
    on_gpu = device.type == "cuda"
    unprofiled = []
    with torch.no_grad():
        for _ in range(unprofiled_runs):  # the same step, timed without the profiler
            if on_gpu:
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            step()
            if on_gpu:
                torch.cuda.synchronize(device)
            unprofiled.append(time.perf_counter() - start)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_gpu else [])
    with torch.no_grad(), profile(activities=activities) as trace:
        with record_function("step"):
            step()
            if on_gpu:
                torch.cuda.synchronize(device)  # the step ends when its last kernel does
    root = next(event for event in trace.events() if event.name == "step")
    seconds = dict.fromkeys(CATEGORIES, 0.0)
    calls = dict.fromkeys(CATEGORIES, 0)
    stack = list(root.cpu_children)
    while stack:  # every operation inside the step, each counted by its own (self) time
        event = stack.pop()
        stack.extend(event.cpu_children)
        category = category_of(event.name)
        own_us = event.self_device_time_total if on_gpu else event.self_cpu_time_total
        seconds[category] += own_us * 1e-6
        calls[category] += 1
    total = root.cpu_time_total * 1e-6  # microseconds in the trace
    seconds["between operations"] = total - sum(seconds.values())  # the rest of the wall clock
    return StepProfile(total, seconds, calls, statistics.median(unprofiled))
# --8<-- [end:profile_step]
