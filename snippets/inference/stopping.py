"""Length control: minimum new tokens, stop sequences; maximum and end-of-sequence are in decode."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:min_new_tokens]
# Needs: checks.py:require
import torch


def suppress_eos(
    logits: torch.Tensor, num_generated: int, min_new_tokens: int, eos_token_id: int
) -> torch.Tensor:
    """Forbid the end-of-sequence token until min_new_tokens tokens have been generated."""
    require(min_new_tokens >= 0, f"min_new_tokens must be >= 0, got {min_new_tokens}")
    if num_generated < min_new_tokens:
        logits = logits.clone()
        logits[..., eos_token_id] = -torch.inf  # probability 0: the model cannot stop yet
    return logits
# --8<-- [end:min_new_tokens]


# --8<-- [start:stop_sequences]
# Needs: checks.py:require
from collections.abc import Callable

import torch


def check_stop_sequences(stop_sequences: list[str]) -> None:
    """Raise ValueError unless there is at least one stop sequence and none is empty."""
    require(len(stop_sequences) > 0 and all(isinstance(s, str) and s for s in stop_sequences),
            f"stop sequences must be non-empty strings, got {stop_sequences!r}")


def stop_on_text(
    tokenizer, stop_sequences: list[str], prompt_length: int
) -> Callable[[torch.Tensor], bool]:
    """A stop condition for decode(): true once the generated text contains a stop sequence."""
    check_stop_sequences(stop_sequences)

    def stop(generated: torch.Tensor) -> bool:
        text = tokenizer.decode(generated[0, prompt_length:])  # the answer so far
        return any(s in text for s in stop_sequences)

    return stop


def cut_at_stop(text: str, stop_sequences: list[str]) -> str:
    """The text before the first stop sequence it contains (the stop text is not kept)."""
    check_stop_sequences(stop_sequences)
    return text[:min((text.find(s) for s in stop_sequences if s in text), default=len(text))]
# --8<-- [end:stop_sequences]
