"""Lesson 04's exercises: GPT-2's parameters from its config, causal labels that keep a real
end of turn, and the GPU-hours of a training run."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section
from snippets.how_transformers_work.compute_footprint import (  # shown by its own sections
    gpu_hours,
    training_flops,
)

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, how_transformers_work/compute_footprint.py:training_flops
# Needs: how_transformers_work/compute_footprint.py:footprint
import math

import torch
from transformers import GPT2Config, GPT2LMHeadModel

GPT2_CONFIGS = {  # GPT-2 small (the default config), GPT-2 medium, and a tiny one
    "GPT-2 small": GPT2Config(),
    "GPT-2 medium": GPT2Config(n_layer=24, n_embd=1024, n_head=16),
    "a tiny GPT-2": GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=1000, n_positions=128,
                               bos_token_id=0, eos_token_id=0),  # special ids inside 1000
}


@checker
def check_gpt2_parameters(my_gpt2_parameters) -> Verdict:
    """Compare my_gpt2_parameters(config) with the parameters GPT2LMHeadModel really holds."""
    for name, config in GPT2_CONFIGS.items():
        with torch.device("meta"):  # shapes only: no memory, no values
            expected = sum(p.numel() for p in GPT2LMHeadModel(config).parameters())
        got = my_gpt2_parameters(config)
        if got == expected:
            continue
        V, d, L, P = config.vocab_size, config.n_embd, config.n_layer, config.n_positions
        hints = [
            (expected - P * d, "GPT-2 learns a vector for each position too: n_positions "
                               "vectors of n_embd numbers"),
            (expected + V * d, "the output layer is tied to the token embedding: the same "
                               "matrix, counted once"),
            (expected - L * (3 * d + d + 4 * d + d), "each linear layer has a bias too: one "
                                                      "number per output"),
            (expected - L * 4 * d - 2 * d, "each LayerNorm has a scale and a shift of n_embd "
                                           "numbers: two in every layer, and a final one"),
            (expected - 2 * d, "after the last layer comes one more LayerNorm"),
        ]
        hint = next((text for value, text in hints if got == value),
                    "add the token and position embeddings, then n_layer times a layer (attention: "
                    "four d x d matrices with biases; MLP: d x 4d and 4d x d with biases; two "
                    "LayerNorms), then the final LayerNorm")
        too = "too few" if got < expected else "too many"  # never the number to reach
        return Verdict(False, f"For {name} you count {got:,} parameters: {too}. Hint: {hint}.")
    return Verdict(True, "Your count equals numel() of GPT2LMHeadModel on every config checked "
                         f"({', '.join(GPT2_CONFIGS)}).")


END_OF_TURN = 2  # SmolLM2's <|im_end|>: it ends a turn, and it is the pad token too


def causal_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Two sequences padded to 6 tokens; the first ends its turn with a real <|im_end|>."""
    input_ids = torch.tensor([[504, 3526, 288, 4483, 28, END_OF_TURN],
                              [504, 3526, 288, END_OF_TURN, END_OF_TURN, END_OF_TURN]])
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 1],
                                   [1, 1, 1, 0, 0, 0]])  # 0: padding
    return input_ids, attention_mask


@checker
def check_causal_labels(my_causal_labels) -> Verdict:
    """Are these the causal LM labels: the input ids, -100 at padding and nowhere else?"""
    input_ids, attention_mask = causal_batch()
    expected = input_ids.masked_fill(attention_mask == 0, -100)
    got = my_causal_labels(input_ids.clone(), attention_mask.clone())
    if not isinstance(got, torch.Tensor):
        return Verdict(False, f"Your labels are a {type(got).__name__}, not a tensor. Hint: "
                              "work on input_ids.clone() with tensor operations, and return "
                              "the tensor.")
    if got.shape != input_ids.shape:
        return Verdict(False, f"The labels must have the shape of input_ids, "
                              f"{tuple(input_ids.shape)}, not {tuple(got.shape)}. Hint: do not "
                              "shift them; the model compares position t with token t + 1 "
                              "itself.")
    if got.is_floating_point() or got.is_complex() or got.dtype == torch.bool:
        return Verdict(False, f"Your labels are {got.dtype} numbers; labels are token ids, "
                              "integers. Hint: start from input_ids.clone(), which keeps its "
                              "integer dtype.")
    if torch.equal(got, expected):
        return Verdict(True, "The labels are the text itself; the loss ignores the padding, "
                             "and learns the real end of turn of the first sequence.")
    if torch.equal(got, input_ids.masked_fill(input_ids == END_OF_TURN, -100)):
        return Verdict(False, "The first sequence's last token is a real end of turn, not "
                              "padding, and your labels hide it. Hint: padding is where the "
                              "attention mask is 0, whatever the token.")
    if torch.equal(got[attention_mask == 0], torch.zeros_like(got[attention_mask == 0])):
        return Verdict(False, "0 is a token id. Hint: the loss ignores the label -100.")
    if torch.equal(got, input_ids):
        return Verdict(False, "The padding still counts in the loss. Hint: give the padding "
                              "the label -100, the value the loss ignores.")
    return Verdict(False, "Some labels differ from the input ids where there is no padding. "
                          "Hint: start from input_ids.clone() and change only the padding.")


A100 = 312e12  # FLOP/s at its dense bf16 peak, as in the lesson's assumptions
GPU_HOURS_CASES = [  # (what, parameters, tokens, peak FLOP/s, utilisation)
    ("SmolLM2-135M on 2T tokens", 135e6, 2e12, A100, 0.40),
    ("LLaMA-65B on 1.4T tokens", 65.2e9, 1.4e12, A100, 0.48),
    ("GPT-3 on 300B tokens, on V100s", 175e9, 300e9, 125e12, 0.20),
]


SMOLLM2_DAYS = ("SmolLM2-135M on 2T tokens", 64)  # the run of the question, on 64 A100s


@checker
def check_gpu_hours(my_gpu_hours, days_on_64_gpus) -> Verdict:
    """Compare my_gpu_hours(n_params, n_tokens, peak_flops_per_s, utilisation) with 6ND, then
    the days SmolLM2-135M's run takes on 64 GPUs."""
    for what, n_params, n_tokens, peak, utilisation in GPU_HOURS_CASES:
        expected = gpu_hours(training_flops(n_params, n_tokens), peak, utilisation)
        got = my_gpu_hours(n_params, n_tokens, peak, utilisation)
        if math.isclose(got, expected, rel_tol=1e-6):
            continue
        hints = [
            (expected * 3600 * peak * utilisation, "these are FLOPs: divide them by the FLOPs "
                                                   "per second the GPU sustains, then by the "
                                                   "seconds in an hour"),
            (expected * 3600, "that is seconds: an hour has 3600 of them"),
            (expected * utilisation, "the GPU sustains only a share of its peak: divide by "
                                     "peak x utilisation"),
            (expected * utilisation ** 2, "a utilisation below 1 makes training slower: "
                                          "divide by it, do not multiply"),
            (expected / 3, "training takes about 6 FLOPs per parameter per token: 2 in the "
                           "forward pass, 4 in the backward pass"),
            (expected / 6, "training takes about 6 FLOPs per parameter per token: 2 in the "
                           "forward pass, 4 in the backward pass"),
        ]
        hint = next((text for value, text in hints if math.isclose(got, value, rel_tol=1e-6)),
                    "6 x parameters x tokens FLOPs, divided by peak x utilisation FLOPs per "
                    "second, gives seconds")
        too = "too few" if got < expected else "too many"  # never the number to reach
        return Verdict(False, f"For {what} you get {got:,.4g} GPU-hours: {too}. Hint: {hint}.")
    what, n_gpus = SMOLLM2_DAYS
    _, n_params, n_tokens, peak, utilisation = next(case for case in GPU_HOURS_CASES
                                                    if case[0] == what)
    hours = gpu_hours(training_flops(n_params, n_tokens), peak, utilisation)
    expected = hours / n_gpus / 24
    if not isinstance(days_on_64_gpus, (int, float)) or isinstance(days_on_64_gpus, bool):
        return Verdict(False, "The GPU-hours are right; now set days_on_64_gpus to a number. "
                              "Hint: the 64 GPUs share the GPU-hours, and a day has 24 hours.")
    if math.isclose(days_on_64_gpus, expected, rel_tol=0.03):  # 2 digits are enough
        return Verdict(True, "6 N D / (peak x utilisation) / 3600 on every run checked, and "
                             f"{days_on_64_gpus:.2g} days on {n_gpus} GPUs.")
    hints = [(hours, "those are GPU-hours: the 64 GPUs share them, and a day has 24 hours"),
             (hours / n_gpus, "that is hours on each GPU: a day has 24 of them"),
             (hours / 24, "that is days on one GPU: the 64 GPUs share the work")]
    hint = next((text for value, text in hints if math.isclose(days_on_64_gpus, value,
                                                               rel_tol=0.03)),
                "call my_gpu_hours on SmolLM2-135M's run, then divide by the GPUs and by the "
                "hours in a day")
    too = "too few" if days_on_64_gpus < expected else "too many"
    return Verdict(False, f"The GPU-hours are right; {days_on_64_gpus:,.4g} days is {too}. "
                          f"Hint: {hint}.")
# --8<-- [end:checkers]


# --8<-- [start:gpt2_exercise]
def my_gpt2_parameters(config) -> int:
    """The parameters of GPT-2 (GPT2LMHeadModel), from its config alone."""
    V, d = config.vocab_size, config.n_embd
    # Your code here: the position embedding (config.n_positions vectors), the
    # config.n_layer layers, and the final LayerNorm.
    return V * d  # the token embedding: one vector of n_embd numbers per vocabulary entry
# --8<-- [end:gpt2_exercise]


# --8<-- [start:gpt2_solution]
def my_gpt2_parameters(config) -> int:
    """The parameters of GPT-2 (GPT2LMHeadModel), from its config alone."""
    V, d, L, P = config.vocab_size, config.n_embd, config.n_layer, config.n_positions
    embedding = V * d + P * d  # a vector per token and one per position
    attention = 4 * (d * d + d)  # query, key, value and output projections, with biases
    mlp = (d * 4 * d + 4 * d) + (4 * d * d + d)  # up to 4d numbers and back down, with biases
    layer_norms = 2 * (2 * d)  # two per layer, a scale and a shift each
    return embedding + L * (attention + mlp + layer_norms) + 2 * d  # + the final LayerNorm
    # the output layer is tied to the token embedding: nothing to add
# --8<-- [end:gpt2_solution]


# --8<-- [start:labels_exercise]
import torch


def my_causal_labels(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Causal LM labels: the input ids, with -100 (ignored by the loss) at the padding."""
    # Your code here.
    return input_ids.clone()
# --8<-- [end:labels_exercise]


# --8<-- [start:labels_solution]
import torch


def my_causal_labels(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Causal LM labels: the input ids, with -100 (ignored by the loss) at the padding."""
    return input_ids.masked_fill(attention_mask == 0, -100)  # padding: where the mask is 0
# --8<-- [end:labels_solution]


# --8<-- [start:gpu_hours_exercise]
def my_gpu_hours(n_params: float, n_tokens: float, peak_flops_per_s: float,
                 utilisation: float) -> float:
    """Hours of one GPU to train n_params parameters on n_tokens tokens."""
    flops = 6 * n_params * n_tokens
    # Your code here: how long does the GPU take to do them?
    return flops


days_on_64_gpus = None  # Your answer: SmolLM2-135M, 2T tokens, 64 A100s at 40% of their peak
# --8<-- [end:gpu_hours_exercise]


# --8<-- [start:gpu_hours_solution]
def my_gpu_hours(n_params: float, n_tokens: float, peak_flops_per_s: float,
                 utilisation: float) -> float:
    """Hours of one GPU to train n_params parameters on n_tokens tokens."""
    flops = 6 * n_params * n_tokens
    seconds = flops / (peak_flops_per_s * utilisation)  # at the speed it sustains
    return seconds / 3600


hours = my_gpu_hours(135e6, 2e12, peak_flops_per_s=312e12, utilisation=0.40)
days_on_64_gpus = hours / 64 / 24  # the GPUs share the work; a day has 24 hours
# --8<-- [end:gpu_hours_solution]
