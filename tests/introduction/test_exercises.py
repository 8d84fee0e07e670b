"""Lesson 01's exercises: each solution passes its checker; typical mistakes get their hint."""

import re
from pathlib import Path

import torch

from snippets.exercises import Verdict
from snippets.introduction.exercises import (
    BLOCK_FORMATS,
    LIBRARY_TASKS,
    check_bits_per_weight,
    check_libraries,
    check_weight_gb,
)

SOURCE = (Path(__file__).parents[2] / "snippets" / "introduction" / "exercises.py").read_text()


def section(name: str) -> dict:
    """The names a lesson section of snippets/introduction/exercises.py defines, run alone."""
    code = re.search(rf"# --8<-- \[start:{name}\]\n(.*?)# --8<-- \[end:{name}\]", SOURCE, re.S)
    namespace = {}
    exec(code[1], namespace)
    return namespace


def test_weight_gb_solution_passes_and_the_starting_point_does_not():
    assert check_weight_gb(section("weight_gb_solution")["my_weight_gb"]).right
    start = check_weight_gb(section("weight_gb_exercise")["my_weight_gb"])
    assert not start.right and "you get 0 GB" in start.message
    assert "add up tensor.numel() over model.parameters()" in start.message


def test_weight_gb_solution_gives_the_size_of_a_real_model():
    solution = section("weight_gb_solution")["my_weight_gb"]
    model = torch.nn.Linear(1000, 1000)  # 1,001,000 numbers
    assert solution(model, 4) == 4.004e-3 and solution(model, 0.5) == 5.005e-4


def test_weight_gb_mistakes_get_their_hints():
    def every_use(model, nbytes):  # counts the tied matrix once per layer
        return sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False)) \
            * nbytes / 1e9

    def tensors(model, nbytes):
        return len(list(model.parameters())) * nbytes / 1e9

    def no_bytes(model, nbytes):
        return sum(p.numel() for p in model.parameters()) / 1e9

    def in_bytes(model, nbytes):
        return sum(p.numel() for p in model.parameters()) * nbytes

    def in_gib(model, nbytes):
        return sum(p.numel() for p in model.parameters()) * nbytes / 2**30

    verdict = check_weight_gb(every_use)
    assert "with tied embeddings" in verdict.message and "shared by two layers" in verdict.message
    assert "tensor.numel()), not the tensors" in check_weight_gb(tensors).message
    assert "multiply the count by bytes_per_parameter" in check_weight_gb(no_bytes).message
    assert "divide the bytes by 10^9" in check_weight_gb(in_bytes).message
    assert "that is a GiB" in check_weight_gb(in_gib).message
    assert check_weight_gb(lambda model, nbytes: 1 / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")


def test_the_untied_model_catches_an_answer_that_only_works_with_tied_embeddings():
    def first_tensor_only(model, nbytes):  # right on the tied model (one matrix), not after
        return next(model.parameters()).numel() * nbytes / 1e9

    verdict = check_weight_gb(first_tensor_only)
    assert not verdict.right and "for a model without" in verdict.message


def test_bits_per_weight_solution_passes_and_matches_the_lesson_formats():
    solution = section("bits_per_weight_solution")["my_bits_per_weight"]
    assert check_bits_per_weight(solution).right
    assert solution(32, 4, 4) == 5.0 and solution(32, 8, 2) == 8.5  # Q4_1, Q8_0
    assert solution(32, 4, 2) == 4.5  # Q4_0
    assert len(BLOCK_FORMATS) == 6


def test_bits_per_weight_mistakes_get_their_hints():
    start = check_bits_per_weight(section("bits_per_weight_exercise")["my_bits_per_weight"])
    assert not start.right and "for Q4_0" in start.message
    assert "add the bits of the block's scales" in start.message

    def scale_in_bytes(block_size, bits, scale_bytes):
        return bits + scale_bytes / block_size

    def scale_not_shared(block_size, bits, scale_bytes):
        return bits + 8 * scale_bytes

    def in_bytes(block_size, bits, scale_bytes):  # bytes per weight, not bits
        return (block_size * bits / 8 + scale_bytes) / block_size

    assert "8 bits each" in check_bits_per_weight(scale_in_bytes).message
    assert "divide their bits among them" in check_bits_per_weight(scale_not_shared).message
    verdict = check_bits_per_weight(in_bytes)
    assert not verdict.right and "/ block_size" in verdict.message


def test_libraries_solution_passes_and_the_starting_point_does_not():
    assert check_libraries(section("libraries_solution")["my_libraries"]).right
    start = check_libraries(section("libraries_exercise")["my_libraries"])
    assert not start.right and start.message.startswith("0 of 5 right")
    assert "Tokenizer.from_file" in start.message  # the first task's hint names the call
    assert set(section("libraries_exercise")["my_libraries"]) == set(LIBRARY_TASKS)


def test_libraries_mistakes_get_their_hints_and_names_are_read_loosely():
    answers = dict(section("libraries_solution")["my_libraries"])
    offsets = "give each token the characters it covers (its offsets)"
    answers[offsets] = "Transformers"  # AutoTokenizer is transformers' class
    verdict = check_libraries(answers)
    assert verdict.message.startswith("4 of 5 right") and "Tokenizer.from_file" in verdict.message
    answers[offsets] = " tokenizers"
    hub = "turn a name such as HuggingFaceTB/SmolLM2-135M-Instruct into local files"
    answers[hub] = "huggingface_hub"
    assert check_libraries(answers).right
    assert "keep the dictionary's five tasks" in check_libraries({"load": "Transformers"}).message
