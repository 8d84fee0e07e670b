"""What the weights' precision does to decoding: bytes read per token, and the bandwidth ceiling."""

from snippets.inference.serving import (  # shown in the lesson by their own sections
    check_positive,
    median_seconds,
    time_per_output_token,
)

# --8<-- [start:bytes_per_token]
import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Format:
    bits: int  # per weight
    scale_bytes: int = 0  # bytes per scale, and per zero point if there is one; 0: no scales
    group_size: int | None = None  # weights of a row that share a scale; None: the whole row
    has_zero: bool = False  # each group also stores an offset (its minimum)


@dataclass(frozen=True)
class Precision:
    name: str
    layers: Format  # the linear layers of the transformer blocks
    output: Format  # the output layer, vocabulary x hidden size: the largest matrix
    dtype: torch.dtype = torch.float32  # everything else: norms, activations, 2-byte scales


FLOAT32, BFLOAT16 = Format(32), Format(16)
PRECISIONS = {
    "float32": Precision("float32", FLOAT32, FLOAT32),
    "bfloat16": Precision("bfloat16", BFLOAT16, BFLOAT16, torch.bfloat16),
    # weight-only int8: one scale per output row; bfloat16 activations and scales, the only
    # activations torch's x86 kernel for it is vectorised for (float32 ones run a scalar loop)
    "int8": Precision("int8", Format(8, scale_bytes=2), Format(8, scale_bytes=2), torch.bfloat16),
    # weight-only 4-bit: a scale and zero per 32 weights, the output layer in int8; bfloat16
    # activations, scales and zeros, for the same reason
    "int4": Precision("int4", Format(4, scale_bytes=2, group_size=32, has_zero=True),
                      Format(8, scale_bytes=2), torch.bfloat16),
    # the packaged GGUF: Q4_1 blocks (32 weights, a float16 scale and minimum) in the layers,
    # Q8_0 (32 weights, a float16 scale) for the embedding that is also the output layer
    "GGUF Q4_1": Precision("GGUF Q4_1", Format(4, scale_bytes=2, group_size=32, has_zero=True),
                           Format(8, scale_bytes=2, group_size=32)),
}


def linear_bytes(out_features: int, in_features: int, fmt: Format) -> int:
    """Bytes of one (out_features, in_features) weight matrix stored in `fmt`, scales included."""
    weights = out_features * in_features * fmt.bits // 8
    if fmt.scale_bytes == 0:
        return weights
    groups_per_row = 1 if fmt.group_size is None else math.ceil(in_features / fmt.group_size)
    numbers_per_group = 2 if fmt.has_zero else 1  # scale, and zero point
    return weights + out_features * groups_per_row * numbers_per_group * fmt.scale_bytes


def decode_bytes(model, precision: Precision) -> int:
    """Bytes of weights one decode step reads with the model's linear layers at `precision`.

    Every linear layer, the output layer included; the other parameters (norms) in
    precision.dtype. An embedding table is read one row per token, so it is left out unless
    it is also the output layer (tied weights), where it counts once, as that layer.
    """
    output_layer = model.get_output_embeddings()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    num_bytes = sum(linear_bytes(m.out_features, m.in_features,
                                 precision.output if m is output_layer else precision.layers)
                    for m in linears)
    skip = {id(m.weight) for m in model.modules() if isinstance(m, (nn.Linear, nn.Embedding))}
    for p in model.parameters():  # each tensor once, even when tied
        if id(p) not in skip:
            num_bytes += p.numel() * precision.dtype.itemsize  # norms (and biases)
    return num_bytes
# --8<-- [end:bytes_per_token]


# --8<-- [start:quantize]
import torch
from torch import nn


class Int8Linear(nn.Module):
    """A linear layer with int8 weights and one scale per output row (weight-only int8)."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        W = linear.weight.detach()  # (out_features, in_features)
        scales = W.float().abs().amax(dim=1).clamp(min=1e-12) / 127  # largest |w| of a row -> 127
        q = torch.round(W.float() / scales[:, None]).clamp(-127, 127)  # in float32: exact levels
        self.register_buffer("weight", q.to(torch.int8))
        self.register_buffer("scales", scales.to(W.dtype))  # (out_features,)
        self.bias = linear.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_2d = x.reshape(-1, x.shape[-1])  # (num_tokens, in_features)
        # torch's kernel: x @ (weight * scales[:, None]).T, the weights widened as they are read
        y = torch.ops.aten._weight_int8pack_mm(x_2d, self.weight, self.scales)
        y = y.reshape(*x.shape[:-1], -1)
        return y if self.bias is None else y + self.bias


class Int4Linear(nn.Module):
    """A linear layer with 4-bit weights, a scale and a zero per group of 32 (weight-only int4)."""

    group_size = 32

    def __init__(self, linear: nn.Linear):
        super().__init__()
        W = linear.weight.detach()  # (out_features, in_features)
        out_features, in_features = W.shape
        if in_features % self.group_size:
            raise ValueError(
                f"in_features must be a multiple of {self.group_size}, got {in_features}")
        groups = W.float().reshape(out_features, -1, self.group_size)  # (out, groups, 32)
        low, high = groups.amin(dim=-1), groups.amax(dim=-1)  # (out, groups)
        scales = (high - low).clamp(min=1e-12) / 15  # 16 levels from low to high
        q = torch.round((groups - low[..., None]) / scales[..., None]).clamp(0, 15)
        zeros = low + 8 * scales  # torch's convention: w = (q - 8) * scale + zero
        q = q.to(torch.int32).reshape(out_features, in_features)
        self.register_buffer("weight", torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1))
        # (groups, out_features, 2): scale and zero of every group, in the activations' dtype
        self.register_buffer("scales_and_zeros",
                             torch.stack([scales.T, zeros.T], dim=-1).to(W.dtype).contiguous())
        self.bias = linear.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_2d = x.reshape(-1, x.shape[-1])
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(x_2d, self.weight, self.group_size,
                                                       self.scales_and_zeros)
        y = y.reshape(*x.shape[:-1], -1)
        return y if self.bias is None else y + self.bias
# --8<-- [end:quantize]


# --8<-- [start:convert]
# Needs: inference/precision.py:bytes_per_token, inference/precision.py:quantize
import copy

import torch
from torch import nn

# (the layers', the output layer's) replacement for nn.Linear
QUANTIZED_LINEAR = {"int8": (Int8Linear, Int8Linear), "int4": (Int4Linear, Int8Linear)}


def convert(model, precision: Precision):
    """A copy of `model` at `precision`: int8 and int4 replace every nn.Linear (int4 keeps the
    output layer in int8, as the GGUF keeps it in 8 bits), then the rest goes to its dtype."""
    if precision.name not in ("float32", "bfloat16", *QUANTIZED_LINEAR):
        raise ValueError(f"precision must be float32, bfloat16, int8 or int4 to convert to, "
                         f"got {precision.name!r}")
    converted = copy.deepcopy(model)  # quantized from the model's own weights, not rounded ones
    if precision.name in QUANTIZED_LINEAR:
        if model.device.type != "cpu":
            raise ValueError(f"the {precision.name} layers here call torch's CPU kernels; "
                             f"the model is on {model.device}")
        layer_class, output_class = QUANTIZED_LINEAR[precision.name]
        output_layer = converted.get_output_embeddings()
        for parent in list(converted.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, nn.Linear):  # the output layer too, untied from the embedding
                    quantized = output_class if child is output_layer else layer_class
                    setattr(parent, name, quantized(child))
    return converted.to(precision.dtype)  # norms, embedding, scales; integer weights stay


def stored_decode_bytes(model) -> int:
    """Bytes of the tensors a decode step reads, from the model's state: everything but the
    embedding table (one row per token), unless the output layer shares it."""
    embeddings = {m.weight.data_ptr() for m in model.modules() if isinstance(m, nn.Embedding)}
    output_layer = model.get_output_embeddings()
    shared = getattr(output_layer, "weight", None)
    if isinstance(shared, nn.Parameter):  # a float output layer, maybe tied to the embedding
        embeddings.discard(shared.data_ptr())
    seen, num_bytes = set(), 0
    for tensor in model.state_dict().values():  # persistent parameters and buffers
        if tensor.data_ptr() not in seen and tensor.data_ptr() not in embeddings:
            seen.add(tensor.data_ptr())
            num_bytes += tensor.nbytes
    return num_bytes
# --8<-- [end:convert]




# --8<-- [start:kernels]
# Needs: inference/precision.py:quantize, inference/serving.py:clock
import copy
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16", "amx_tile")  # x86 instructions for bfloat16 math


def cpu_flags(wanted: tuple[str, ...] = BFLOAT16_FLAGS,
              cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """Which of the `wanted` flags the CPU lists in /proc/cpuinfo (none without that file)."""
    if not cpuinfo.exists():
        return []
    flags = set()
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    return [flag for flag in wanted if flag in flags]


@dataclass
class KernelTiming:
    kernel: str  # the weights' format and the activations' dtype
    weight_bytes: int  # the layer's tensors: weights, and scales and zeros where there are some
    seconds: float  # median time of one product with a single row of activations
    copies: int  # distinct copies of the layer the products cycled through

    @property
    def bytes_per_second(self) -> float:
        """How fast the product reads the layer's bytes."""
        return self.weight_bytes / self.seconds


def one_row_products(out_features: int, in_features: int, device: torch.device,
                     repeats: int = 5, min_bytes: int = 2**28) -> list[KernelTiming]:
    """Time x @ W.T for one row x, with each kernel torch has for the formats above. The
    products cycle through copies of the layer holding at least `min_bytes` in all, so that
    each reads its weights from memory, as in a decode step, not from the CPU's cache."""
    check_positive("repeats", repeats)
    device = torch.device(device)
    torch.manual_seed(0)
    linear = nn.Linear(in_features, out_features, bias=False).to(device)
    layers = {"float32 weights, float32 activations": (linear, torch.float32),
              "bfloat16 weights, bfloat16 activations":
                  (copy.deepcopy(linear).to(torch.bfloat16), torch.bfloat16)}
    if device.type == "cpu":  # the int8 and int4 kernels are CPU ones
        for bits, layer_class in [("int8", Int8Linear), ("int4", Int4Linear)]:
            for dtype in (torch.float32, torch.bfloat16):
                kernel = f"{bits} weights, {str(dtype).removeprefix('torch.')} activations"
                layers[kernel] = (layer_class(linear).to(dtype), dtype)  # scales in that dtype
    rows = []
    for kernel, (layer, dtype) in layers.items():
        weight_bytes = sum(t.nbytes for t in layer.state_dict().values())
        copies = [layer] + [copy.deepcopy(layer) for _ in range(-(-min_bytes // weight_bytes) - 1)]
        x = torch.randn(1, in_features, device=device).to(dtype)  # (1, in_features)

        def one_product_each(copies=copies, x=x):
            for each in copies:
                each(x)

        with torch.no_grad():
            seconds = median_seconds(one_product_each, device, repeats, warmup=3) / len(copies)
        rows.append(KernelTiming(kernel, weight_bytes, seconds, len(copies)))
        del copies
    return rows
# --8<-- [end:kernels]


# --8<-- [start:output_layer]
# Needs: inference/precision.py:quantize
import copy

import torch


def output_layer_errors(model, input_ids: torch.Tensor) -> dict[str, tuple[float, float]]:
    """The output layer alone in bfloat16, int8 or int4 (bfloat16 activations), on the CPU:
    its largest logit error, relative to the largest float32 logit, and the share of the
    positions whose most likely next token stays the one float32 gives."""
    with torch.no_grad():
        hidden = model.model(input_ids=input_ids).last_hidden_state[0]  # (num_tokens, d)
        hidden = hidden.float().cpu()
        output_layer = copy.deepcopy(model.get_output_embeddings()).float().cpu()
        reference = output_layer(hidden)  # (num_tokens, vocab_size)
        layers = {"bfloat16": copy.deepcopy(output_layer).to(torch.bfloat16),
                  "int8": Int8Linear(output_layer).to(torch.bfloat16),
                  "int4": Int4Linear(output_layer).to(torch.bfloat16)}
        errors = {}
        for name, layer in layers.items():
            logits = layer(hidden.to(torch.bfloat16)).float()
            error = (logits - reference).abs().max() / reference.abs().max()
            same_top_1 = (logits.argmax(dim=-1) == reference.argmax(dim=-1)).float().mean()
            errors[name] = (error.item(), same_top_1.item())
    return errors
# --8<-- [end:output_layer]


# --8<-- [start:precision_table]
# Needs: inference/precision.py:convert, inference/serving.py:tpot
from dataclasses import dataclass

import torch


@dataclass
class PrecisionRow:
    precision: str
    bytes_per_token: int  # weights read by one decode step
    ceiling_tokens_per_second: float  # bandwidth / bytes_per_token
    measured_tokens_per_second: float | None  # None where there is no kernel for it here


def has_kernel(precision: Precision, device: torch.device) -> bool:
    """Whether torch can run a decode step at `precision` on `device` with the code above."""
    if precision.name in ("float32", "bfloat16"):
        return True
    return precision.name in QUANTIZED_LINEAR and torch.device(device).type == "cpu"


def precision_table(model, bandwidth: float, names: list[str], num_new_tokens: int = 8,
                    repeats: int = 3) -> list[PrecisionRow]:
    """Bytes per token, bandwidth ceiling and measured decode speed for each precision."""
    if bandwidth <= 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    rows = []
    for name in names:
        if name not in PRECISIONS:
            raise ValueError(f"precision must be one of {list(PRECISIONS)}, got {name!r}")
        precision = PRECISIONS[name]
        num_bytes = decode_bytes(model, precision)
        measured = None
        if has_kernel(precision, model.device):
            converted = convert(model, precision)
            seconds = time_per_output_token(converted, prompt_length=32,
                                            num_new_tokens=num_new_tokens, repeats=repeats)
            measured = 1 / seconds
            del converted
        rows.append(PrecisionRow(name, num_bytes, bandwidth / num_bytes, measured))
    return rows
# --8<-- [end:precision_table]


# Not shown in the lesson (reading the file takes GGUFReader ~10 s): the tests use it to check
# that the GGUF row of PRECISIONS gives the bytes of the packaged file.
from collections import Counter
from pathlib import Path


def gguf_tensor_bytes(path: str | Path) -> dict[str, int]:
    """Bytes of the tensors stored in a GGUF file, per storage type (Q4_1, Q8_0, F32, ...)."""
    from gguf import GGUFReader

    num_bytes = Counter()
    for tensor in GGUFReader(path).tensors:
        num_bytes[tensor.tensor_type.name] += int(tensor.n_bytes)
    return dict(num_bytes)
