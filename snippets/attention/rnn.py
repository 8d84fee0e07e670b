"""Why RNNs struggle with long sequences: one hidden state carries the past, which fades
or blows up."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:rnn_weights]
# Needs: checks.py:require
import torch


def init_rnn_weights(d_in: int, d_hidden: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights of a tanh RNN, drawn like torch.nn.RNN's: uniform in +-1/sqrt(d_hidden)."""
    require(d_in >= 1 and d_hidden >= 1,
            f"d_in and d_hidden must be at least 1, got {d_in} and {d_hidden}")
    generator = torch.Generator().manual_seed(seed)
    bound = d_hidden**-0.5

    def uniform(*shape):
        return (torch.rand(*shape, generator=generator) * 2 - 1) * bound

    return {"W_xh": uniform(d_in, d_hidden), "W_hh": uniform(d_hidden, d_hidden),
            "b_h": uniform(d_hidden)}
# --8<-- [end:rnn_weights]


# --8<-- [start:rnn_loop]
# Needs: checks.py:require
import torch


def rnn_forward(
    inputs: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> torch.Tensor:
    """Hidden states h_1..h_n of a tanh RNN that reads one token at a time."""
    require(inputs.dim() == 2 and inputs.shape[-1] == W_xh.shape[0],
            f"inputs has shape {tuple(inputs.shape)}: it must be (num_tokens, {W_xh.shape[0]})")
    h = torch.zeros(W_hh.shape[0], dtype=inputs.dtype, device=inputs.device)  # h_0
    hidden_states = []
    for x_t in inputs:
        h = torch.tanh(x_t @ W_xh + h @ W_hh + b_h)  # the whole past squeezed into h
        hidden_states.append(h)
    return torch.stack(hidden_states)  # (num_tokens, d_hidden)
# --8<-- [end:rnn_loop]


# --8<-- [start:influence]
# Needs: checks.py:require
from collections.abc import Callable

import torch


def first_token_influence(
    layer: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor
) -> torch.Tensor:
    """||d out_t / d x_1|| for every position t: how much output t still depends on token 1."""
    require(inputs.dim() == 2,
            f"inputs has shape {tuple(inputs.shape)}: it must be (num_tokens, d_in)")
    x_1, rest = inputs[0], inputs[1:]

    def layer_of_x_1(x_1: torch.Tensor) -> torch.Tensor:
        return layer(torch.cat([x_1[None], rest]))  # (num_tokens, d_out)

    # every output's derivative with respect to token 1 only: (num_tokens, d_out, d_in)
    jacobian = torch.autograd.functional.jacobian(layer_of_x_1, x_1, vectorize=True)
    return jacobian.flatten(1).norm(dim=1)  # (num_tokens,)
# --8<-- [end:influence]


# --8<-- [start:weight_scale]
# Needs: attention/rnn.py:rnn_loop, attention/rnn.py:influence
from functools import partial

import torch


def influence_by_weight_scale(
    weights: dict[str, torch.Tensor], inputs: torch.Tensor, scales: list[float]
) -> dict[float, torch.Tensor]:
    """First-token influence of the RNN with its recurrent weights W_hh times each scale."""
    require(bool(scales) and min(scales) > 0,
            f"scales must be a list of positive numbers, got {scales}")
    curves = {}
    for scale in scales:
        scaled = dict(weights, W_hh=scale * weights["W_hh"])  # same RNN, louder recurrence
        curves[scale] = first_token_influence(partial(rnn_forward, **scaled), inputs)
    return curves
# --8<-- [end:weight_scale]


# --8<-- [start:gated_rnns]
# Needs: checks.py:require
import torch
from torch import nn


def gated_rnns(
    d_in: int, d_hidden: int, forget_bias: float, seed: int = 0
) -> dict[str, nn.Module]:
    """A GRU and an LSTM as PyTorch initialises them, and an LSTM with open forget gates."""
    require(d_in >= 1 and d_hidden >= 1,
            f"d_in and d_hidden must be at least 1, got {d_in} and {d_hidden}")
    with torch.random.fork_rng(devices=[]):  # seed a copy: the global generator is untouched
        torch.manual_seed(seed)
        gru, lstm = nn.GRU(d_in, d_hidden), nn.LSTM(d_in, d_hidden)
        open_lstm = nn.LSTM(d_in, d_hidden)
    open_lstm.load_state_dict(lstm.state_dict())  # the same LSTM ...
    with torch.no_grad():  # ... with the forget gate (2nd of the i, f, g, o blocks) open
        open_lstm.bias_ih_l0[d_hidden:2 * d_hidden] = forget_bias
        open_lstm.bias_hh_l0[d_hidden:2 * d_hidden] = 0.0
    return {"GRU": gru, "LSTM": lstm, f"LSTM, forget bias {forget_bias:g}": open_lstm}
# --8<-- [end:gated_rnns]
