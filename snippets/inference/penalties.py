"""Repetition control: OpenAI-style presence and frequency penalties as a LogitsProcessor."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:presence_frequency]
# Needs: checks.py:require
import torch
from transformers import LogitsProcessor


class PresenceFrequencyPenalty(LogitsProcessor):
    """logit_j -= presence * [count_j > 0] + frequency * count_j, counting generated tokens."""

    def __init__(self, presence_penalty: float, frequency_penalty: float, prompt_length: int):
        for name, value in [("presence_penalty", presence_penalty),
                            ("frequency_penalty", frequency_penalty)]:
            require(-2 <= value <= 2, f"{name} must be in [-2, 2], got {value}")
        require(prompt_length >= 0, f"prompt_length must be >= 0, got {prompt_length}")
        self.presence, self.frequency = presence_penalty, frequency_penalty
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        generated = input_ids[:, self.prompt_length:]  # only what the model wrote itself
        counts = torch.zeros_like(scores).scatter_add_(
            -1, generated, torch.ones_like(generated, dtype=scores.dtype)
        )  # (batch_size, vocab_size): how often each token was generated
        return scores - self.presence * (counts > 0) - self.frequency * counts
# --8<-- [end:presence_frequency]


# --8<-- [start:count_repeats]
# Needs: checks.py:require
import torch


def count_repeats(token_ids: torch.Tensor, n: int = 3) -> int:
    """How many n-grams of a sequence already appeared earlier in it."""
    require(n >= 1, f"n must be >= 1, got {n}")
    seen, repeats = set(), 0
    tokens = token_ids.tolist()
    for i in range(len(tokens) - n + 1):
        ngram = tuple(tokens[i:i + n])
        repeats += ngram in seen
        seen.add(ngram)
    return repeats
# --8<-- [end:count_repeats]
