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
    """Two small networks: one whose output layer reuses its embedding matrix, one without."""
    torch.manual_seed(0)
    tied = torch.nn.Sequential(torch.nn.Embedding(100, 8), torch.nn.Linear(8, 100, bias=False))
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
            hints = [
                (every_use * bytes_per_parameter / 1e9, "count a tensor shared by two layers "
                 "once: model.parameters() yields it once"),
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


# Block formats of GGUF files: (bits per weight, bytes of scales per block of 32 weights).
BLOCK_FORMATS = {"Q4_0": (4, 2), "Q4_1": (4, 4), "Q5_0": (5, 2), "Q5_1": (5, 4),
                 "Q8_0": (8, 2), "Q8_1": (8, 8)}


@checker
def check_bits_per_weight(my_bits_per_weight) -> Verdict:
    """Compare my_bits_per_weight(block_size, bits, scale_bytes) with the block sizes that
    the gguf library lists for each format."""
    for name, (bits, scale_bytes) in BLOCK_FORMATS.items():
        block_size, block_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]]
        expected = 8 * block_bytes / block_size  # the bits a block takes, per weight
        got = my_bits_per_weight(block_size, bits, scale_bytes)
        if math.isclose(got, expected):
            continue
        hints = [(bits, "add the bits of the block's scales, shared by its block_size weights"),
                 (bits + scale_bytes / block_size, "scale_bytes counts bytes: 8 bits each"),
                 (bits + 8 * scale_bytes, "the scales are shared by the block_size weights of "
                                          "a block: divide their bits among them")]
        hint = next((text for value, text in hints if math.isclose(got, value)),
                    "(bits of the block's weights + bits of its scales) / block_size")
        return Verdict(False, f"for {name} ({block_size} weights of {bits} bits, "
                              f"{scale_bytes} bytes of scales) you get {got:g} bits per weight, "
                              f"not {expected:g}. Hint: {hint}.")
    return Verdict(True, "the bits per weight of all six formats agree with the block sizes "
                         "the gguf library lists.")


LIBRARY_TASKS = {  # task: (library, the call the lesson made for it)
    "give each token the characters it covers (its offsets)":
        ("Tokenizers", "the page read them from Tokenizer.from_file(...).encode(text).offsets"),
    "add a column, computed row by row, to a table stored in Arrow":
        ("Datasets", "the page called .map(count_words) on what load_dataset returned"),
    "read config.json to pick the model class, then load the weights":
        ("Transformers", "AutoModelForCausalLM.from_pretrained does it"),
    "move a model and a DataLoader's batches to the GPU when there is one":
        ("Accelerate", "Accelerator().prepare(...) does it"),
    "turn a name such as HuggingFaceTB/SmolLM2-135M-Instruct into local files":
        ("Hub", "cached_file looks the name up in the cache that huggingface_hub fills"),
}
ALSO_ACCEPTED = {"huggingface_hub": "Hub", "hugging face hub": "Hub", "the hub": "Hub"}


@checker
def check_libraries(my_libraries: dict[str, str]) -> Verdict:
    """Does each task name the library that did it in the lesson?"""
    if not isinstance(my_libraries, dict) or set(my_libraries) != set(LIBRARY_TASKS):
        return Verdict(False, "keep the dictionary's five tasks as they are; fill in the values.")
    names = {library.lower(): library for library, _ in LIBRARY_TASKS.values()}
    names.update(ALSO_ACCEPTED)
    wrong = [task for task, answer in my_libraries.items()
             if names.get(str(answer).strip().lower()) != LIBRARY_TASKS[task][0]]
    if wrong:
        task = wrong[0]
        return Verdict(False, f"{len(LIBRARY_TASKS) - len(wrong)} of {len(LIBRARY_TASKS)} "
                              f"right; to {task!r} you answered {my_libraries[task]!r}. "
                              f"Hint: {LIBRARY_TASKS[task][1]}.")
    return Verdict(True, "each task is done by the library you named.")
# --8<-- [end:checkers]


# --8<-- [start:weight_gb_exercise]
import torch


def my_weight_gb(model: torch.nn.Module, bytes_per_parameter: float) -> float:
    """Gigabytes (10^9 bytes) that the model's weights take, each tensor counted once."""
    # Your code here: model.parameters() yields the weight tensors.
    return 0.0
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
    scale_bytes bytes of scales for the whole block."""
    # Your code here.
    return bits
# --8<-- [end:bits_per_weight_exercise]


# --8<-- [start:bits_per_weight_solution]
def my_bits_per_weight(block_size: int, bits: int, scale_bytes: int) -> float:
    """Bits per weight of a block format: block_size weights of `bits` bits each, and
    scale_bytes bytes of scales for the whole block."""
    return (block_size * bits + 8 * scale_bytes) / block_size
# --8<-- [end:bits_per_weight_solution]


# --8<-- [start:libraries_exercise]
my_libraries = {  # Transformers, Datasets, Tokenizers, Accelerate or Hub
    "give each token the characters it covers (its offsets)": "",
    "add a column, computed row by row, to a table stored in Arrow": "",
    "read config.json to pick the model class, then load the weights": "",
    "move a model and a DataLoader's batches to the GPU when there is one": "",
    "turn a name such as HuggingFaceTB/SmolLM2-135M-Instruct into local files": "",
}
# --8<-- [end:libraries_exercise]


# --8<-- [start:libraries_solution]
my_libraries = {
    "give each token the characters it covers (its offsets)": "Tokenizers",
    "add a column, computed row by row, to a table stored in Arrow": "Datasets",
    "read config.json to pick the model class, then load the weights": "Transformers",
    "move a model and a DataLoader's batches to the GPU when there is one": "Accelerate",
    "turn a name such as HuggingFaceTB/SmolLM2-135M-Instruct into local files": "Hub",
}
# --8<-- [end:libraries_solution]
