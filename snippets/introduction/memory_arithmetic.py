"""What a parameter count means for memory, checked against the files of real models."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:weight_checks]
# Needs: checks.py:require


def check_weight_arguments(num_parameters: float, precision: str, precisions) -> None:
    """ValueError unless `precision` is one of `precisions` and the count is >= 0."""
    require(precision in precisions,
            f"precision must be one of {list(precisions)}, got {precision!r}")
    require(num_parameters >= 0, f"num_parameters must be >= 0, got {num_parameters}")
# --8<-- [end:weight_checks]


# --8<-- [start:bytes_per_parameter]
# Needs: introduction/memory_arithmetic.py:weight_checks
BYTES_PER_PARAMETER = {"float32": 4.0, "bfloat16": 2.0, "int8": 1.0, "4-bit": 0.5}


def weight_bytes(num_parameters: float, precision: str) -> float:
    """Bytes that `num_parameters` weights take at `precision` (the weights alone)."""
    check_weight_arguments(num_parameters, precision, BYTES_PER_PARAMETER)  # or ValueError
    return num_parameters * BYTES_PER_PARAMETER[precision]


def memory_table(num_parameters: float) -> dict[str, float]:
    """Gigabytes (10^9 bytes) of the weights at every precision."""
    return {precision: weight_bytes(num_parameters, precision) / 1e9
            for precision in BYTES_PER_PARAMETER}
# --8<-- [end:bytes_per_parameter]


# --8<-- [start:count_parameters]
import torch


def count_parameters(model: torch.nn.Module) -> int:
    """Number of weights; a tensor shared by two layers (tied embeddings) is counted once."""
    num_parameters = 0
    for parameter in model.parameters():  # yields each shared tensor only once
        num_parameters += parameter.numel()
    return num_parameters
# --8<-- [end:count_parameters]


# --8<-- [start:count_parameters_per_name]
import torch


def count_parameters_per_name(model: torch.nn.Module) -> int:
    """Number of weights counted layer by layer: a tied tensor is counted once per layer."""
    num_parameters = 0
    for _, parameter in model.named_parameters(remove_duplicate=False):
        num_parameters += parameter.numel()
    return num_parameters
# --8<-- [end:count_parameters_per_name]


# --8<-- [start:safetensors_layout]
import json
import math
from collections import Counter
from pathlib import Path


def safetensors_layout(path: str | Path) -> dict:
    """Bytes of a .safetensors file: its header, its tensors, and elements per dtype."""
    with open(path, "rb") as file:
        header_length = int.from_bytes(file.read(8), "little")  # 8 bytes: the header's size
        header = json.loads(file.read(header_length))  # name -> dtype, shape, byte offsets
    header.pop("__metadata__", None)
    tensor_bytes, elements = 0, Counter()
    for tensor in header.values():
        start, end = tensor["data_offsets"]
        tensor_bytes += end - start
        elements[tensor["dtype"]] += math.prod(tensor["shape"])
    return {"file_bytes": Path(path).stat().st_size, "header_bytes": 8 + header_length,
            "tensor_bytes": tensor_bytes, "elements": dict(elements)}
# --8<-- [end:safetensors_layout]


# --8<-- [start:gguf_layout]
from collections import defaultdict
from pathlib import Path

from gguf import GGUFReader


def block_bits_per_weight(block_size: int, bits: int, scale_bytes: int) -> float:
    """Bits per weight of a block format: `bits` per weight plus the block's shared scales."""
    return (block_size * bits + 8 * scale_bytes) / block_size


def gguf_layout(path: str | Path) -> tuple[dict[str, dict], int]:
    """{tensor type: weights, bytes, bits per weight} of a GGUF file, and its header bytes."""
    reader = GGUFReader(path)
    by_type = defaultdict(lambda: {"weights": 0, "bytes": 0})
    for tensor in reader.tensors:
        by_type[tensor.tensor_type.name]["weights"] += int(tensor.n_elements)
        by_type[tensor.tensor_type.name]["bytes"] += int(tensor.n_bytes)
    for row in by_type.values():
        row["bits_per_weight"] = 8 * row["bytes"] / row["weights"]
    # the header, before the tensors: metadata (config, tokenizer, chat template), the index
    # of the tensors (names, shapes, types, offsets) and padding to align the tensor data
    return dict(by_type), reader.data_offset
# --8<-- [end:gguf_layout]
