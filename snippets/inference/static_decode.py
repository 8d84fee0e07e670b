"""Greedy decoding on a static KV cache, so that torch.compile and CUDA graphs can take the step."""

# --8<-- [start:static_decode]
from collections.abc import Callable

import torch
from transformers import StaticCache


def static_decode(
    model, input_ids: torch.Tensor, max_new_tokens: int, eos_token_id: int | None = None,
    cache: StaticCache | None = None, forward: Callable | None = None,
) -> torch.Tensor:
    """Greedy new token ids after a one-row prompt, on a cache allocated once at full length.

    Stops after `eos_token_id` (kept, as `decode` keeps it) or `max_new_tokens`. The prefill
    runs eagerly; every decode step calls `forward` (the model, or its compiled version) on
    one token. A cache passed in is reset and reused, so its tensors keep their addresses
    from one request to the next.
    """
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    if input_ids.dim() != 2 or input_ids.shape[0] != 1 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must be one non-empty prompt (1, num_tokens), "
                         f"got shape {tuple(input_ids.shape)}")
    num_positions = input_ids.shape[1] + max_new_tokens
    if cache is None:
        cache = StaticCache(config=model.config, max_cache_len=num_positions)
    elif cache.get_max_length() < num_positions:
        raise ValueError(f"the cache holds {cache.get_max_length()} positions, "
                         f"the prompt and the new tokens need {num_positions}")
    cache.reset()  # zero keys and values; writing starts again at position 0
    forward = model if forward is None else forward
    new_tokens = []
    with torch.no_grad():
        # phase 1: the prompt at once; its keys and values go into the first slots of the cache
        logits = model(input_ids=input_ids, cache=cache, use_cache=True, logits_to_keep=1).logits
        for step in range(max_new_tokens):  # phase 2: one token per step, same shapes every time
            next_token = logits[:, -1].argmax(dim=-1)  # (1,)
            new_tokens.append(next_token)
            if eos_token_id is not None and next_token.item() == eos_token_id:
                break  # the model ended its answer: the same rule as decode() and generate()
            if step + 1 < max_new_tokens:  # the cache is written in place at the next position
                logits = forward(input_ids=next_token[:, None], cache=cache, use_cache=True).logits
    return torch.stack(new_tokens, dim=1)  # (1, at most max_new_tokens)
# --8<-- [end:static_decode]


# --8<-- [start:compile_step]
from collections.abc import Callable

import torch

COMPILE_MODES = ("default", "reduce-overhead", "max-autotune-no-cudagraphs")


def compile_decode_step(model, mode: str | None = None, freeze: bool = False) -> Callable:
    """The model's forward pass compiled for one-token steps on a static cache.

    `mode="default"` fuses operations into generated kernels and runs the whole step as one
    graph; "reduce-overhead" also records it as a CUDA graph, replayed with a single launch;
    "max-autotune-no-cudagraphs" also times candidate kernels for each matrix product and
    keeps the fastest (on a CPU inductor's own are candidates only for frozen weights). By
    default: "reduce-overhead" on a GPU, "default" elsewhere.
    `freeze=True` lets inductor treat the weights as constants, when the step is first called
    with gradients off. On a CPU it then repacks the linear layers' weights for its kernels,
    into copies kept beside the originals: for inference only, as the compiled step does not
    see later changes to those weights.
    """
    if mode is None:
        mode = "reduce-overhead" if model.device.type == "cuda" else "default"
    if mode not in COMPILE_MODES:
        raise ValueError(f"mode must be one of {COMPILE_MODES}, got {mode!r}")
    # fullgraph: fail rather than fall back to Python between pieces; dynamic=False: the shapes
    # of a decode step never change on a static cache, so one graph serves every step
    if not freeze:
        return torch.compile(model, mode=mode, fullgraph=True, dynamic=False)
    # torch.compile takes a mode or inductor options, not both: the mode's own options, plus
    # freezing (which also keeps this compiled step apart from an unfrozen one)
    options = {**torch._inductor.list_mode_options(mode), "freezing": True}
    compiled = torch.compile(model, options=options, fullgraph=True, dynamic=False)

    def frozen_step(*args, **kwargs):
        # the tracer reads the weights as constants only while inductor's global setting is on
        with torch._inductor.config.patch(freezing=True):
            return compiled(*args, **kwargs)

    return frozen_step
# --8<-- [end:compile_step]


# --8<-- [start:generate_static]
# Needs: inference/static_decode.py:compile_step
from transformers import CompileConfig


def static_generate_kwargs(model, compile_mode: str | None = None) -> dict:
    """Arguments that make `model.generate` decode on a static cache, compiled with `compile_mode`.

    transformers compiles the decode steps by itself on a GPU; on other devices only when the
    compile config asks for every device (a private flag of CompileConfig in transformers 5).
    `compile_mode=None` keeps the steps eager.
    """
    if compile_mode is None:
        return dict(cache_implementation="static", disable_compile=True)
    if compile_mode not in COMPILE_MODES:
        raise ValueError(
            f"compile_mode must be None or one of {COMPILE_MODES}, got {compile_mode!r}")
    config = CompileConfig(fullgraph=True, dynamic=False, mode=compile_mode)
    config._compile_all_devices = model.device.type != "cuda"
    return dict(cache_implementation="static", compile_config=config)
# --8<-- [end:generate_static]
