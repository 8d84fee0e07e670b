"""Why RNNs struggle with long sequences: one hidden state carries the past, and the past fades."""

# --8<-- [start:rnn_weights]
import torch


def init_rnn_weights(d_in: int, d_hidden: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights of a tanh RNN, drawn like torch.nn.RNN's: uniform in +-1/sqrt(d_hidden)."""
    if d_in < 1 or d_hidden < 1:
        raise ValueError(f"d_in and d_hidden must be at least 1, got {d_in} and {d_hidden}")
    generator = torch.Generator().manual_seed(seed)
    bound = d_hidden**-0.5

    def uniform(*shape):
        return (torch.rand(*shape, generator=generator) * 2 - 1) * bound

    return {"W_xh": uniform(d_in, d_hidden), "W_hh": uniform(d_hidden, d_hidden),
            "b_h": uniform(d_hidden)}
# --8<-- [end:rnn_weights]


# --8<-- [start:rnn_loop]
import torch


def rnn_forward(
    inputs: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> torch.Tensor:
    """Hidden states h_1..h_n of a tanh RNN that reads one token at a time."""
    if inputs.dim() != 2 or inputs.shape[-1] != W_xh.shape[0]:
        raise ValueError(
            f"inputs has shape {tuple(inputs.shape)}: it must be (num_tokens, {W_xh.shape[0]})"
        )
    h = torch.zeros(W_hh.shape[0], dtype=inputs.dtype, device=inputs.device)  # h_0
    hidden_states = []
    for x_t in inputs:
        h = torch.tanh(x_t @ W_xh + h @ W_hh + b_h)  # the whole past squeezed into h
        hidden_states.append(h)
    return torch.stack(hidden_states)  # (num_tokens, d_hidden)
# --8<-- [end:rnn_loop]


# --8<-- [start:influence]
from collections.abc import Callable

import torch


def first_token_influence(
    layer: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor
) -> torch.Tensor:
    """||d out_t / d x_1|| for every position t: how much output t still depends on token 1."""
    if inputs.dim() != 2:
        raise ValueError(f"inputs has shape {tuple(inputs.shape)}: it must be (num_tokens, d_in)")
    jacobian = torch.autograd.functional.jacobian(layer, inputs)  # (n, d_out, n, d_in)
    return jacobian[:, :, 0, :].flatten(1).norm(dim=1)  # (n,)
# --8<-- [end:influence]
