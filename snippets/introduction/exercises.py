"""Lesson 01's exercises: a model's weights in gigabytes, the bits per weight of a block
format, and which library does what."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section
from snippets.introduction.memory_arithmetic import count_parameters  # shown by its own section

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, introduction/memory_arithmetic.py:count_parameters
import math

import gguf
import torch


def _small_models() -> dict[str, torch.nn.Module]:
    """Two small plain PyTorch networks: one whose output layer reuses its embedding matrix
    (and has a bias of its own), one without tied weights."""
    torch.manual_seed(0)
    tied = torch.nn.Sequential(torch.nn.Embedding(100, 8), torch.nn.Linear(8, 100))
    tied[1].weight = tied[0].weight  # one (100, 8) matrix, used by both layers
    untied = torch.nn.Sequential(torch.nn.Embedding(50, 16), torch.nn.Linear(16, 50))
    return {"a model with tied embeddings": tied, "a model without": untied}


@checker
def check_weight_gb(my_weight_gb) -> Verdict:
    """Compare my_weight_gb(model, bytes_per_parameter) with parameters x bytes / 10^9."""
    for name, model in _small_models().items():
        num_parameters = count_parameters(model)
        for bytes_per_parameter in [4, 2, 0.5]:
            expected = num_parameters * bytes_per_parameter / 1e9
            got = my_weight_gb(model, bytes_per_parameter)
            if math.isclose(got, expected, rel_tol=1e-9):
                continue
            tensors = len(list(model.parameters()))
            every_use = sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False))
            own_size = sum(p.numel() * p.element_size() for p in model.parameters())
            hints = [
                (every_use * bytes_per_parameter / 1e9, "count a tensor shared by two layers "
                 "once: model.parameters() yields it once, model.state_dict() once per name"),
                (own_size / 1e9, "use bytes_per_parameter, not the tensor's own "
                 "element_size()"),
                (tensors * bytes_per_parameter / 1e9, "count the numbers in each tensor "
                 "(tensor.numel()), not the tensors"),
                (num_parameters / 1e9, "multiply the count by bytes_per_parameter"),
                (num_parameters * bytes_per_parameter, "divide the bytes by 10^9 to get GB"),
                (num_parameters * bytes_per_parameter / 2**30, "a GB here is 10^9 bytes, not "
                 "2^30 (that is a GiB)"),
            ]
            hint = next((text for value, text in hints if math.isclose(got, value, rel_tol=1e-9)),
                        "add up tensor.numel() over model.parameters(), times the bytes of "
                        "each number, over 10^9")
            return Verdict(False, f"for {name} at {bytes_per_parameter} bytes a parameter you "
                                  f"get {got:.3g} GB, not {expected:.3g}. Hint: {hint}.")
    return Verdict(True, "parameters (each tensor once) x bytes per parameter / 10^9, on both "
                         "models and three precisions.")


# Block formats of GGUF files: (weights per block, bits per weight, bytes of scales and
# minimums per block). SmolLM2's file uses Q4_1 and Q8_0.
BLOCK_FORMATS = {"Q4_0": (32, 4, 2), "Q4_1": (32, 4, 4), "Q5_0": (32, 5, 2),
                 "Q5_1": (32, 5, 4), "Q8_0": (32, 8, 2)}
# and one made up, with blocks of 64 weights: 64 x 2 bits + 4 bytes = 160 bits, 2.5 a weight
MADE_UP_FORMAT = {"a made-up format": (64, 2, 4)}


def _bits_per_weight_mistakes(block_size: int, bits: int, scale_bytes: int) -> dict[str, float]:
    """What common mistakes compute, each with its hint."""
    return {
        "add the bits of the block's scales, shared by its block_size weights": bits,
        "keep the fraction: divide with /, not //": (block_size * bits + 8 * scale_bytes)
        // block_size,
        "scale_bytes counts bytes: 8 bits each": bits + scale_bytes / block_size,
        "the scales are shared by the block_size weights of a block: divide their bits "
        "among them": bits + 8 * scale_bytes,
        "that is bytes per weight: multiply by 8": (block_size * bits / 8 + scale_bytes)
        / block_size,
        "divide by block_size, not 32: not every format has blocks of 32 weights":
        bits + 8 * scale_bytes / 32,
    }


@checker
def check_bits_per_weight(my_bits_per_weight) -> Verdict:
    """Compare my_bits_per_weight(block_size, bits, scale_bytes) with the block sizes that
    the gguf library lists for each format, and with a made-up format's."""
    formats, expected, got = {**BLOCK_FORMATS, **MADE_UP_FORMAT}, {}, {}
    for name, (block_size, bits, scale_bytes) in formats.items():
        if name in BLOCK_FORMATS:
            gguf_block_size, block_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]]
            expected[name] = 8 * block_bytes / gguf_block_size  # a block's bits, per weight
        else:
            expected[name] = (block_size * bits + 8 * scale_bytes) / block_size
        got[name] = my_bits_per_weight(block_size, bits, scale_bytes)
    wrong = [name for name in formats if not math.isclose(got[name], expected[name])]
    if not wrong:
        return Verdict(True, "the bits per weight of the five formats agree with the block "
                             "sizes the gguf library lists, and the made-up format's too.")
    hint = "(bits of the block's weights + bits of its scales) / block_size"
    mistakes = {name: _bits_per_weight_mistakes(*formats[name]) for name in formats}
    for text in mistakes[wrong[0]]:  # a mistake that gives the answer's value on every format
        if all(math.isclose(got[name], mistakes[name][text]) for name in formats):
            hint = text
            break
    name = wrong[0]
    block_size, bits, scale_bytes = formats[name]
    return Verdict(False, f"for {name} ({block_size} weights of {bits} bits, {scale_bytes} "
                          f"bytes of scales) you get {got[name]:g} bits per weight, not "
                          f"{expected[name]:g}. Hint: {hint}.")


LIBRARIES = ["Transformers", "Datasets", "Tokenizers", "Accelerate", "Hub"]
LIBRARY_TASKS = {  # task: (the libraries that did it on the page, the call the page made)
    "give each token the characters it covers (its offsets)":
        (["Tokenizers", "Transformers"], "the page read them from "
         "Tokenizer.from_file(...).encode(text).offsets"),
    "add a column, computed row by row, to a table stored in Arrow":
        (["Datasets"], "the page called .map(count_words) on what load_dataset returned"),
    "read config.json to pick the model class, then load the weights":
        (["Transformers"], "AutoModelForCausalLM.from_pretrained does it"),
    "move a model to the GPU when there is one":
        (["Accelerate"], "Accelerator().prepare(model) does it"),
    "download a Hub name's files into the local cache, which from_pretrained then reads":
        (["Hub"], "transformers' cached_file calls huggingface_hub, which fills that cache"),
}
ALSO_ACCEPTED = {"huggingface hub": "Hub", "hugging face hub": "Hub", "hf hub": "Hub",
                 "the hub": "Hub", "the hugging face hub": "Hub"}


def _library_name(answer) -> str | None:
    """The library an answer names, read loosely: case, 🤗, '-' and '_' do not matter."""
    text = " ".join(str(answer).replace("🤗", " ").replace("-", " ").replace("_", " ")
                    .lower().split())
    names = {library.lower(): library for library in LIBRARIES} | ALSO_ACCEPTED
    return names.get(text)


@checker
def check_libraries(my_libraries: dict[str, str]) -> Verdict:
    """Does each task name a library that did it in the lesson?"""
    if not isinstance(my_libraries, dict) or set(my_libraries) != set(LIBRARY_TASKS):
        return Verdict(False, "keep the dictionary's five tasks as they are; fill in the values.")
    wrong = [task for task, answer in my_libraries.items()
             if _library_name(answer) not in LIBRARY_TASKS[task][0]]
    if wrong:
        task, answer = wrong[0], my_libraries[wrong[0]]
        hint = LIBRARY_TASKS[task][1]
        if str(answer).strip() and _library_name(answer) is None:
            hint = f"{answer!r} is not one of {', '.join(LIBRARIES)}"
        return Verdict(False, f"{len(LIBRARY_TASKS) - len(wrong)} of {len(LIBRARY_TASKS)} "
                              f"right; to {task!r} you answered {answer!r}. Hint: {hint}.")
    return Verdict(True, "each task is done by the library you named.")
# --8<-- [end:checkers]


# --8<-- [start:weight_gb_exercise]
import torch


def my_weight_gb(model: torch.nn.Module, bytes_per_parameter: float) -> float:
    """Gigabytes (10^9 bytes) that the model's weights take, each tensor counted once."""
    # Run the checker, then fix this: model.state_dict() maps each layer's names to tensors.
    num_parameters = sum(tensor.numel() for tensor in model.state_dict().values())
    return num_parameters * bytes_per_parameter / 1e9
# --8<-- [end:weight_gb_exercise]


# --8<-- [start:weight_gb_solution]
import torch


def my_weight_gb(model: torch.nn.Module, bytes_per_parameter: float) -> float:
    """Gigabytes (10^9 bytes) that the model's weights take, each tensor counted once."""
    num_parameters = sum(parameter.numel() for parameter in model.parameters())
    return num_parameters * bytes_per_parameter / 1e9
# --8<-- [end:weight_gb_solution]


# --8<-- [start:bits_per_weight_exercise]
def my_bits_per_weight(block_size: int, bits: int, scale_bytes: int) -> float:
    """Bits per weight of a block format: block_size weights of `bits` bits each, and
    scale_bytes bytes of scales (and minimums) for the whole block."""
    # Your code here.
    return bits
# --8<-- [end:bits_per_weight_exercise]


# --8<-- [start:bits_per_weight_solution]
def my_bits_per_weight(block_size: int, bits: int, scale_bytes: int) -> float:
    """Bits per weight of a block format: block_size weights of `bits` bits each, and
    scale_bytes bytes of scales (and minimums) for the whole block."""
    return (block_size * bits + 8 * scale_bytes) / block_size
# --8<-- [end:bits_per_weight_solution]


# --8<-- [start:libraries_exercise]
my_libraries = {  # Transformers, Datasets, Tokenizers, Accelerate or Hub
    "give each token the characters it covers (its offsets)": "",
    "add a column, computed row by row, to a table stored in Arrow": "",
    "read config.json to pick the model class, then load the weights": "",
    "move a model to the GPU when there is one": "",
    "download a Hub name's files into the local cache, which from_pretrained then reads": "",
}
# --8<-- [end:libraries_exercise]


# --8<-- [start:libraries_solution]
my_libraries = {
    "give each token the characters it covers (its offsets)": "Tokenizers",
    "add a column, computed row by row, to a table stored in Arrow": "Datasets",
    "read config.json to pick the model class, then load the weights": "Transformers",
    "move a model to the GPU when there is one": "Accelerate",
    "download a Hub name's files into the local cache, which from_pretrained then reads": "Hub",
}
# --8<-- [end:libraries_solution]
