"""Lesson 01's exercises: each solution passes its checker; typical mistakes get their hint."""

from functools import partial

import gguf
import torch
from exercise_sections import run_section

from snippets.exercises import Verdict
from snippets.introduction.exercises import (
    BLOCK_FORMATS,
    LIBRARIES,
    LIBRARY_TASKS,
    check_bits_per_weight,
    check_libraries,
    check_weight_gb,
)

section = partial(run_section, "introduction")  # the names a section defines, run alone


def test_weight_gb_solution_passes_and_the_starting_point_does_not():
    assert check_weight_gb(section("weight_gb_solution")["my_weight_gb"]).right
    start = check_weight_gb(section("weight_gb_exercise")["my_weight_gb"])
    # the starting point counts the tied matrix once per name in state_dict(): the tie hint
    assert not start.right and "for a model with tied embeddings" in start.message
    assert "count a tensor shared by two layers once" in start.message
    assert "you get 6.8e-06 GB, not 3.6e-06" in start.message  # (800 + 800 + 100) x 4 bytes


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

    def own_element_size(model, nbytes):  # right at 4 bytes (float32 tensors), not after
        return sum(p.numel() * p.element_size() for p in model.parameters()) / 1e9

    def anything_else(model, nbytes):
        return 1.0

    verdict = check_weight_gb(every_use)
    assert "with tied embeddings" in verdict.message and "shared by two layers" in verdict.message
    assert "tensor.numel()), not the tensors" in check_weight_gb(tensors).message
    assert "multiply the count by bytes_per_parameter" in check_weight_gb(no_bytes).message
    assert "divide the bytes by 10^9" in check_weight_gb(in_bytes).message
    assert "that is a GiB" in check_weight_gb(in_gib).message
    verdict = check_weight_gb(own_element_size)
    assert "at 2 bytes" in verdict.message and "not the tensor's own element_size()" in (
        verdict.message)
    assert "add up tensor.numel() over model.parameters()" in check_weight_gb(
        anything_else).message
    # the checker passes plain torch modules, which have no num_parameters() of transformers'
    verdict = check_weight_gb(lambda model, nbytes: model.num_parameters() * nbytes / 1e9)
    assert verdict.message.startswith("Your answer raised AttributeError")
    assert check_weight_gb(lambda model, nbytes: 1 / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")


def test_the_tied_model_has_a_tensor_of_its_own_so_the_shared_one_alone_is_wrong():
    def first_tensor_only(model, nbytes):  # the shared matrix, without the layer's bias
        return next(model.parameters()).numel() * nbytes / 1e9

    verdict = check_weight_gb(first_tensor_only)
    assert not verdict.right and "for a model with tied embeddings" in verdict.message


def test_bits_per_weight_solution_passes_and_matches_the_lesson_formats():
    solution = section("bits_per_weight_solution")["my_bits_per_weight"]
    assert check_bits_per_weight(solution).right
    assert solution(32, 4, 4) == 5.0 and solution(32, 8, 2) == 8.5  # Q4_1, Q8_0
    assert solution(32, 4, 2) == 4.5  # Q4_0
    assert list(BLOCK_FORMATS) == ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"]  # no Q8_1
    for name, (block_size, bits, scale_bytes) in BLOCK_FORMATS.items():
        gguf_block_size, block_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]]
        assert (block_size, block_size * bits // 8 + scale_bytes) == (gguf_block_size,
                                                                      block_bytes)


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

    def floor_division(block_size, bits, scale_bytes):  # 4 for Q4_0, as the starting point
        return (block_size * bits + 8 * scale_bytes) // block_size

    def blocks_of_32(block_size, bits, scale_bytes):  # right on every GGUF format here
        return bits + 8 * scale_bytes / 32

    def anything_else(block_size, bits, scale_bytes):
        return 3.0

    assert "8 bits each" in check_bits_per_weight(scale_in_bytes).message
    assert "divide their bits among them" in check_bits_per_weight(scale_not_shared).message
    verdict = check_bits_per_weight(in_bytes)
    assert not verdict.right and "that is bytes per weight: multiply by 8" in verdict.message
    verdict = check_bits_per_weight(floor_division)
    assert "for Q4_0" in verdict.message and "not //" in verdict.message
    verdict = check_bits_per_weight(blocks_of_32)
    assert "for a made-up format (64 weights of 2 bits" in verdict.message
    assert "you get 3 bits per weight, not 2.5" in verdict.message
    assert "divide by block_size, not 32" in verdict.message
    verdict = check_bits_per_weight(anything_else)
    assert "Hint: (bits of the block's weights + bits of its scales) / block_size" in (
        verdict.message)


def test_libraries_solution_passes_and_the_starting_point_does_not():
    assert check_libraries(section("libraries_solution")["my_libraries"]).right
    start = check_libraries(section("libraries_exercise")["my_libraries"])
    assert not start.right and start.message.startswith("0 of 5 right")
    assert "Tokenizer.from_file" in start.message  # the first task's hint names the call
    assert set(section("libraries_exercise")["my_libraries"]) == set(LIBRARY_TASKS)


def test_libraries_mistakes_get_their_hints_and_names_are_read_loosely():
    answers = dict(section("libraries_solution")["my_libraries"])
    offsets = "give each token the characters it covers (its offsets)"
    answers[offsets] = "Transformers"  # AutoTokenizer's fast tokenizer gives offsets too
    assert check_libraries(answers).right
    answers[offsets] = "Datasets"
    verdict = check_libraries(answers)
    assert verdict.message.startswith("4 of 5 right") and "Tokenizer.from_file" in verdict.message
    answers[offsets] = " tokenizers"
    hub = "download a Hub name's files into the local cache, which from_pretrained then reads"
    for spelling in ["huggingface_hub", "HF Hub", "huggingface-hub", "🤗 Hub", "Hugging Face Hub"]:
        answers[hub] = spelling
        assert check_libraries(answers).right, spelling
    answers[hub] = "Transformers"
    assert "cached_file calls huggingface_hub" in check_libraries(answers).message
    answers[hub] = "PyTorch"
    verdict = check_libraries(answers)
    assert "'PyTorch' is not one of Transformers, Datasets, Tokenizers, Accelerate, Hub" in (
        verdict.message)
    assert set(LIBRARIES) == {library for libraries, _ in LIBRARY_TASKS.values()
                              for library in libraries}
    assert "keep the dictionary's five tasks" in check_libraries({"load": "Transformers"}).message
