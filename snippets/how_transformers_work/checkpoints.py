"""Architecture versus checkpoint: one configuration, random weights or trained ones."""

# --8<-- [start:random_twin]
import torch
from transformers import AutoModelForCausalLM


def random_twin(model, seed: int = 0):
    """The same architecture as `model` (its config), with freshly initialised random weights."""
    torch.manual_seed(seed)
    twin = AutoModelForCausalLM.from_config(model.config)  # the architecture only
    return twin.to(model.device).eval()


def same_architecture(a, b) -> bool:
    """True when two models have the same parameter names and shapes."""
    shapes_a = {name: p.shape for name, p in a.named_parameters()}
    shapes_b = {name: p.shape for name, p in b.named_parameters()}
    return shapes_a == shapes_b
# --8<-- [end:random_twin]
