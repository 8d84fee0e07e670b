import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets.attention import (
    CausalAttention,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    SelfAttention,
    attention_scores,
    attention_scores_loop,
    causal_mask,
    context_vector_loop,
    inputs,
    model_attention,
    normalize_by_sum,
    scaled_dot_product_attention,
    simple_self_attention,
    softmax_naive,
    strongest_head,
    to_torch_multihead,
)

NOTES_SCORES_2 = "tensor([0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865])"


@pytest.fixture
def x(device):
    return inputs.to(device)


def test_scores_of_journey_print_as_in_the_notes(x):
    assert repr(attention_scores_loop(inputs, inputs[1])) == NOTES_SCORES_2
    torch.testing.assert_close(attention_scores_loop(x, x[1]), attention_scores(x, x[1]))


def test_scores_reject_a_query_of_the_wrong_width(x):
    with pytest.raises(ValueError, match=r"query has shape \(2,\).*must be 3"):
        attention_scores(x, x[1, :2])
    with pytest.raises(ValueError, match=r"query has shape \(4,\)"):
        attention_scores_loop(x, torch.ones(4, device=x.device))


def test_normalisations_sum_to_one_and_softmax_matches_torch(x):
    attn_scores_2 = attention_scores(x, x[1])
    by_sum = normalize_by_sum(attn_scores_2)
    torch.testing.assert_close(by_sum.sum(), torch.tensor(1.0, device=x.device))
    torch.testing.assert_close(by_sum, attn_scores_2 / 6.5617, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(softmax_naive(attn_scores_2), torch.softmax(attn_scores_2, dim=0))


def test_naive_softmax_overflows_where_torch_softmax_does_not():
    big = torch.tensor([1000.0, 1000.0])
    assert torch.isnan(softmax_naive(big)).all()
    torch.testing.assert_close(torch.softmax(big, dim=0), torch.tensor([0.5, 0.5]))


def test_context_vector_of_journey(x):
    attn_weights_2 = torch.softmax(attention_scores(x, x[1]), dim=0)
    context_vec_2 = context_vector_loop(x, attn_weights_2)
    expected = torch.tensor([0.4419, 0.6515, 0.5683], device=x.device)
    torch.testing.assert_close(context_vec_2, expected, rtol=0, atol=1e-4)
    torch.testing.assert_close(context_vec_2, attn_weights_2 @ x)


def test_context_vector_rejects_weights_of_the_wrong_length(x):
    with pytest.raises(ValueError, match=r"attn_weights has shape \(5,\).*\(6,\)"):
        context_vector_loop(x, torch.ones(5, device=x.device) / 5)


def test_all_context_vectors_at_once(x):
    attn_weights, context_vecs = simple_self_attention(x)
    assert attn_weights.shape == (6, 6) and context_vecs.shape == (6, 3)
    torch.testing.assert_close(attn_weights.sum(dim=-1), torch.ones(6, device=x.device))
    torch.testing.assert_close(context_vecs[1], context_vector_loop(x, attn_weights[1]))


@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_equals_torch(device, causal):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 8, device=device) for _ in range(3))
    mask = causal_mask(5, device=device) if causal else None
    context, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(context, F.scaled_dot_product_attention(q, k, v, is_causal=causal))
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5, device=device))
    if causal:
        assert (weights[..., mask] == 0).all()


def test_scaled_dot_product_rejects_bad_shapes(device):
    q = torch.randn(4, 8, device=device)
    with pytest.raises(ValueError, match=r"keys has shape \(4, 6\).*must be 8"):
        scaled_dot_product_attention(q, torch.randn(4, 6, device=device), q)
    with pytest.raises(ValueError, match="keys have 4 tokens but values have 3"):
        scaled_dot_product_attention(q, q, torch.randn(3, 8, device=device))
    with pytest.raises(ValueError, match=r"mask has shape \(3, 3\).*\(4, 4\)"):
        scaled_dot_product_attention(q, q, q, causal_mask(3, device=device))


def test_causal_mask_values():
    assert causal_mask(3).tolist() == [[False, True, True], [False, False, True],
                                       [False, False, False]]
    with pytest.raises(ValueError, match="num_tokens must be at least 1, got 0"):
        causal_mask(0)


def test_self_attention_equals_torch_sdpa(x):
    torch.manual_seed(123)
    sa = SelfAttention(d_in=3, d_out=2).to(x.device)
    expected = F.scaled_dot_product_attention(sa.W_query(x), sa.W_key(x), sa.W_value(x))
    torch.testing.assert_close(sa(x), expected)
    with pytest.raises(ValueError, match=r"x has shape \(6, 2\)"):
        sa(x[:, :2])


def test_causal_attention_equals_torch_sdpa_and_rejects_long_inputs(x):
    torch.manual_seed(123)
    ca = CausalAttention(d_in=3, d_out=2, context_length=6, dropout=0.0).to(x.device)
    batch = torch.stack((x, x))
    q, k, v = ca.W_query(batch), ca.W_key(batch), ca.W_value(batch)
    torch.testing.assert_close(ca(batch), F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert ca(batch).shape == (2, 6, 2)
    with pytest.raises(ValueError, match="x has 7 tokens: at most context_length=6"):
        ca(torch.randn(1, 7, 3, device=x.device))
    with pytest.raises(ValueError, match=r"x has shape \(6, 3\).*\(batch_size, num_tokens, 3\)"):
        ca(x)


def test_dropout_zeroes_weights_and_rescales_the_rest(x):
    torch.manual_seed(123)
    attn_weights = torch.softmax(x @ x.T, dim=-1)
    dropped = nn.Dropout(0.5)(attn_weights)  # training mode by default
    kept = dropped != 0
    assert 0 < kept.sum() < 36
    torch.testing.assert_close(dropped[kept], 2 * attn_weights[kept])


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_equals_torch_multihead_attention(device, causal):
    torch.manual_seed(0)
    ours = MultiHeadAttention(d_in=16, d_out=16, context_length=10, dropout=0.0, num_heads=4,
                              qkv_bias=True, causal=causal).to(device).eval()
    theirs = to_torch_multihead(ours)
    x = torch.randn(3, 7, 16, device=device)
    mask = causal_mask(7, device=device) if causal else None
    expected, _ = theirs(x, x, x, attn_mask=mask, need_weights=False)
    torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)


def test_multi_head_wrapper_equals_batched_heads(device):
    torch.manual_seed(0)
    wrapper = MultiHeadAttentionWrapper(d_in=3, d_out=2, context_length=6, dropout=0.0,
                                        num_heads=2).to(device)
    batched = MultiHeadAttention(d_in=3, d_out=4, context_length=6, dropout=0.0,
                                 num_heads=2).to(device)
    with torch.no_grad():  # stack the heads' weights; make out_proj the identity
        for name in ("W_query", "W_key", "W_value"):
            weight = torch.cat([getattr(head, name).weight for head in wrapper.heads])
            getattr(batched, name).weight.copy_(weight)
        batched.out_proj.weight.copy_(torch.eye(4))
        batched.out_proj.bias.zero_()
    batch = torch.stack((inputs, inputs)).to(device)
    torch.testing.assert_close(wrapper(batch), batched(batch))
    assert wrapper(batch).shape == (2, 6, 4)


def test_to_torch_multihead_needs_square_projections_with_bias():
    ours = MultiHeadAttention(d_in=3, d_out=4, context_length=6, dropout=0.0, num_heads=2)
    with pytest.raises(ValueError, match="d_in == d_out and qkv_bias=True, got d_in=3, d_out=4"):
        to_torch_multihead(ours)


@pytest.mark.parametrize("num_heads", [0, 3])
def test_multi_head_attention_rejects_heads_that_do_not_divide_d_out(num_heads):
    with pytest.raises(ValueError, match=f"num_heads={num_heads} must .* divide d_out=4"):
        MultiHeadAttention(d_in=3, d_out=4, context_length=6, dropout=0.0, num_heads=num_heads)


def test_smollm2_attention_weights_and_strongest_head(smollm2_eager):
    model, tokenizer = smollm2_eager
    tokens, weights = model_attention(model, tokenizer, "The capital of France is Paris")
    assert tokens == ["The", " capital", " of", " France", " is", " Paris"]
    assert weights.shape == (30, 9, 6, 6)
    torch.testing.assert_close(weights.sum(-1), torch.ones(30, 9, 6, device=weights.device))
    assert (weights.triu(diagonal=1) == 0).all()  # a decoder never looks ahead
    layer, head = strongest_head(weights, query_pos=5, key_pos=3)
    assert weights[layer, head, 5, 3] == weights[:, :, 5, 3].max()


def test_model_attention_needs_eager_attention_and_text(smollm2):
    model, tokenizer = smollm2
    with pytest.raises(ValueError, match="attn_implementation='eager'"):
        model_attention(model, tokenizer, "Paris")
