"""The two phases of inference: prefill the prompt once, then decode one token at a time."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:chat_prompt]
# Needs: checks.py:require
import torch


def chat_input_ids(
    tokenizer, user_message: str, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """Token ids (1, num_tokens) of a one-message chat, ending where the answer starts."""
    require(user_message.strip() != "",
            f"user_message must be non-empty text, got {user_message!r}")
    messages = [{"role": "user", "content": user_message}]
    encoded = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    return encoded["input_ids"].to(device)
# --8<-- [end:chat_prompt]


# --8<-- [start:checks]
import torch


def check_prompt(input_ids: torch.Tensor) -> None:
    """Raise ValueError unless `input_ids` is a non-empty (batch_size, num_tokens) tensor."""
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(
            f"input_ids has shape {tuple(input_ids.shape)}: the prompt must be "
            "(batch_size, num_tokens) with at least one token"
        )


def check_one_prompt(input_ids: torch.Tensor, caller: str) -> None:
    """Raise ValueError unless `input_ids` is one non-empty prompt, (1, num_tokens)."""
    check_prompt(input_ids)
    if input_ids.shape[0] != 1:
        raise ValueError(f"{caller} takes one prompt, got a batch of {input_ids.shape[0]}")
# --8<-- [end:checks]


# --8<-- [start:prefill]
# Needs: inference/decoding.py:checks
import torch
from transformers import DynamicCache


def prefill(model, input_ids: torch.Tensor) -> tuple[torch.Tensor, DynamicCache]:
    """One forward pass over the whole prompt: next-token logits and the filled KV cache."""
    check_prompt(input_ids)
    cache = DynamicCache(config=model.config)  # keys and values of every layer, filled below
    with torch.no_grad():
        outputs = model(input_ids=input_ids, cache=cache, use_cache=True, logits_to_keep=1)
    return outputs.logits[:, -1].float(), outputs.cache  # the last position's: (batch, vocab)
# --8<-- [end:prefill]


# --8<-- [start:decode_step]
import torch
from transformers import DynamicCache


def decode_step(
    model, next_tokens: torch.Tensor, cache: DynamicCache
) -> tuple[torch.Tensor, DynamicCache]:
    """One forward pass over the newest token only; earlier keys and values come from the cache."""
    with torch.no_grad():
        outputs = model(input_ids=next_tokens[:, None], cache=cache, use_cache=True)
    return outputs.logits[:, -1].float(), outputs.cache  # the cache grew by one position
# --8<-- [end:decode_step]


# --8<-- [start:decode_loop]
# Needs: inference/decoding.py:checks, inference/decoding.py:prefill, checks.py:require
# Needs: inference/decoding.py:decode_step
from collections.abc import Callable

import torch


def greedy(logits: torch.Tensor, generated: torch.Tensor) -> torch.Tensor:
    """The most likely next token of each row."""
    return logits.argmax(dim=-1)


def decode(
    model,
    input_ids: torch.Tensor,
    max_new_tokens: int,
    choose_next: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = greedy,
    eos_token_id: int | None = None,
    stop: Callable[[torch.Tensor], bool] | None = None,
) -> torch.Tensor:
    """New token ids after a one-row prompt: prefill once, then choose, append, check, repeat."""
    require(max_new_tokens >= 0, f"max_new_tokens must be >= 0, got {max_new_tokens}")
    check_one_prompt(input_ids, "decode")
    generated = input_ids
    logits, cache = prefill(model, input_ids)  # phase 1: the whole prompt at once
    for _ in range(max_new_tokens):  # phase 2: one token per step
        next_token = choose_next(logits, generated)  # (1,)
        generated = torch.cat([generated, next_token[:, None]], dim=-1)
        if next_token.item() == eos_token_id or (stop is not None and stop(generated)):
            break  # the model ended its answer, or a stop condition was met
        logits, cache = decode_step(model, next_token, cache)
    return generated[:, input_ids.shape[1]:]
# --8<-- [end:decode_loop]
