import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets.attention.self_attention import (
    CausalAttention,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    SelfAttention,
    attention_scores,
    attention_scores_loop,
    context_vector_loop,
    first_token_share,
    future_mask,
    inputs,
    model_attention,
    normalize_by_sum,
    scaled_dot_product_attention,
    score_spread,
    simple_self_attention,
    softmax_naive,
    strongest_heads,
    to_torch_multihead,
    top_next_tokens,
    uniform_causal_weights,
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
    # the loop carries no check of its own, to keep its idea in view: torch.dot refuses
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        attention_scores_loop(x, torch.ones(4, device=x.device))


def test_normalisations_sum_to_one_and_softmax_matches_torch(x):
    attn_scores_2 = attention_scores(x, x[1])
    by_sum = normalize_by_sum(attn_scores_2)
    torch.testing.assert_close(by_sum.sum(), torch.tensor(1.0, device=x.device))
    torch.testing.assert_close(by_sum, attn_scores_2 / 6.5617, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(softmax_naive(attn_scores_2), torch.softmax(attn_scores_2, dim=0))


def test_normalisations_make_each_row_of_a_score_matrix_sum_to_one(x):
    """Given every token's scores at once, (num_tokens, num_tokens), each row is normalised
    on its own, as torch.softmax(dim=-1) does."""
    scores = x @ x.T
    torch.testing.assert_close(softmax_naive(scores), torch.softmax(scores, dim=-1))
    torch.testing.assert_close(normalize_by_sum(scores), scores / scores.sum(-1, keepdim=True))
    torch.testing.assert_close(normalize_by_sum(scores).sum(-1), torch.ones(6, device=x.device))


def test_dividing_by_the_sum_breaks_on_a_negative_score():
    # the page: [1, -0.5] becomes [2, -1], a weight above one and one below zero
    assert normalize_by_sum(torch.tensor([1.0, -0.5])).tolist() == [2.0, -1.0]
    # softmax keeps both weights in (0, 1): e^1.5 / (e^1.5 + 1) and 1 / (e^1.5 + 1)
    torch.testing.assert_close(softmax_naive(torch.tensor([1.0, -0.5])),
                               torch.tensor([0.8176, 0.1824]), rtol=0, atol=1e-4)


def test_naive_softmax_overflows_unless_the_largest_score_is_subtracted_first():
    big = torch.tensor([1000.0, 1001.0])
    assert torch.isnan(softmax_naive(big)).all()  # e^1000 is inf in float32: inf / inf
    # softmax does not change when every score moves by the same amount: shifted, it works
    torch.testing.assert_close(softmax_naive(big - big.max()), torch.tensor([0.2689, 0.7311]),
                               rtol=0, atol=1e-4)


def test_context_vector_of_journey(x):
    attn_weights_2 = torch.softmax(attention_scores(x, x[1]), dim=0)
    context_vec_2 = context_vector_loop(x, attn_weights_2)
    expected = torch.tensor([0.4419, 0.6515, 0.5683], device=x.device)
    torch.testing.assert_close(context_vec_2, expected, rtol=0, atol=1e-4)
    torch.testing.assert_close(context_vec_2, attn_weights_2 @ x)


def test_context_vector_of_a_single_token_is_that_token(x):
    torch.testing.assert_close(context_vector_loop(x[:1], torch.ones(1, device=x.device)), x[0])


def test_context_vector_rejects_weights_of_the_wrong_length(x):
    # no check in view: zip(..., strict=True) refuses one weight too few
    with pytest.raises(ValueError, match=r"zip\(\) argument 2 is longer than argument 1"):
        context_vector_loop(x, torch.ones(5, device=x.device) / 5)


def test_all_context_vectors_at_once_equal_torch_sdpa_without_scaling(x):
    attn_weights, context_vecs = simple_self_attention(x)
    assert attn_weights.shape == (6, 6) and context_vecs.shape == (6, 3)
    torch.testing.assert_close(attn_weights.sum(dim=-1), torch.ones(6, device=x.device))
    torch.testing.assert_close(context_vecs[1], context_vector_loop(x, attn_weights[1]))
    torch.testing.assert_close(context_vecs, F.scaled_dot_product_attention(x, x, x, scale=1.0))


def test_without_positions_self_attention_permutes_its_outputs_with_its_inputs(x):
    # the lesson: shuffle the six tokens, the context vectors come out shuffled alike
    order = torch.tensor([5, 2, 0, 4, 1, 3], device=x.device)
    weights, context_vecs = simple_self_attention(x)
    shuffled_weights, shuffled = simple_self_attention(x[order])
    torch.testing.assert_close(shuffled, context_vecs[order])
    torch.testing.assert_close(shuffled_weights, weights[order][:, order])
    torch.manual_seed(123)
    sa = SelfAttention(d_in=3, d_out=2).to(x.device)  # with trainable projections too
    torch.testing.assert_close(sa(x[order]), sa(x)[order])
    # a causal mask, which knows which token came first, breaks the symmetry
    torch.manual_seed(123)
    ca = CausalAttention(d_in=3, d_out=2, context_length=6, dropout=0.0).to(x.device)
    assert not torch.allclose(ca(x[order][None])[0], ca(x[None])[0][order])


def test_a_causal_mask_says_which_tokens_came_before_but_not_in_what_order(x):
    # the lesson: shuffle the five tokens before "step"; without a mask every output is the
    # same, reordered; with a causal one only the output of "step" stays the same
    order = torch.tensor([2, 0, 4, 1, 3, 5], device=x.device)
    _, plain = simple_self_attention(x)
    _, plain_shuffled = simple_self_attention(x[order])
    torch.testing.assert_close(plain_shuffled, plain[order])
    causal = F.scaled_dot_product_attention(x, x, x, is_causal=True, scale=1.0)
    shuffled = F.scaled_dot_product_attention(x[order], x[order], x[order], is_causal=True,
                                              scale=1.0)
    unchanged = torch.isclose(shuffled, causal[order]).all(dim=-1)
    assert unchanged.tolist() == [False] * 5 + [True]
    torch.manual_seed(123)  # with trained-style projections too: the last output is the same
    ca = CausalAttention(d_in=3, d_out=2, context_length=6, dropout=0.0).to(x.device)
    torch.testing.assert_close(ca(x[order][None])[0, -1], ca(x[None])[0, -1])


def test_the_lessons_inline_qkv_and_causal_steps_equal_our_functions(x):
    # the lesson draws three nn.Linear(3, 2) after seed 123: SelfAttention's own weights
    torch.manual_seed(123)
    W_query, W_key, W_value = (nn.Linear(3, 2, bias=False) for _ in range(3))
    torch.manual_seed(123)
    sa = SelfAttention(d_in=3, d_out=2)
    for ours, layer in [(W_query, sa.W_query), (W_key, sa.W_key), (W_value, sa.W_value)]:
        assert torch.equal(ours.weight, layer.weight)
    sa = sa.to(x.device)
    with torch.no_grad():
        queries, keys, values = sa.W_query(x), sa.W_key(x), sa.W_value(x)
        scores = queries @ keys.T / 2**0.5
        torch.testing.assert_close(torch.softmax(scores, dim=-1) @ values, sa(x))
        hide = future_mask(6, device=x.device)
        causal_weights = torch.softmax(scores.masked_fill(hide, -torch.inf), dim=-1)
        context, weights = scaled_dot_product_attention(queries, keys, values, hide=hide)
    torch.testing.assert_close(causal_weights, weights)
    torch.testing.assert_close(causal_weights @ values, context)


@pytest.mark.parametrize("d_k", [1, 4, 16, 64, 256])
def test_dot_products_spread_like_sqrt_d_k_and_scaling_undoes_it(d_k):
    spread = score_spread(d_k)
    assert abs(spread["std"] / d_k**0.5 - 1) < 0.05
    assert abs(spread["scaled_std"] - 1) < 0.05
    assert 0.34 < spread["scaled_top_weight"] < 0.45  # about the same at every d_k
    if d_k >= 16:
        assert spread["top_weight"] > spread["scaled_top_weight"] + 0.3


def test_scores_times_8_put_nearly_all_weight_on_journey_and_starts():
    weights = torch.softmax(attention_scores(inputs, inputs[1]) * 8, dim=0)
    assert weights[1] + weights[2] > 0.95 and weights.argmax() == 1


def test_unscaled_softmax_is_nearly_one_hot_at_d_k_64():
    assert 0.85 < score_spread(64)["top_weight"] < 0.93  # the page says "about 0.9"
    tops = [score_spread(d_k)["top_weight"] for d_k in [1, 4, 16, 64, 256, 1024]]
    assert tops == sorted(tops) and tops[0] < 0.4 and tops[-1] > 0.95  # towards one-hot
    with pytest.raises(ValueError, match="got 0, 6 and 2000"):
        score_spread(0)


def test_score_spread_draws_its_own_seeded_numbers():
    """Queries, then keys, from a generator seeded with `seed` (0 by default): the same numbers
    whatever the global random state, the ones that recipe gives; the smallest sizes run."""
    torch.manual_seed(1)
    first = score_spread(4, num_keys=2, num_queries=2)
    torch.manual_seed(2)
    assert score_spread(4, num_keys=2, num_queries=2, seed=0) == first
    assert score_spread(4, num_keys=2, num_queries=2, seed=1) != first
    generator = torch.Generator().manual_seed(0)
    queries = torch.randn(2, 4, generator=generator)
    keys = torch.randn(2, 2, 4, generator=generator)
    scores = torch.einsum("qd,qkd->qk", queries, keys)  # each query against its own 2 keys
    assert first["std"] == pytest.approx(scores.std().item())
    assert first["top_weight"] == pytest.approx(scores.softmax(-1).max(-1).values.mean().item())


def test_the_top_weights_slope_falls_unscaled_and_holds_scaled():
    spreads = {d_k: score_spread(d_k) for d_k in [1, 64, 256]}
    for spread in spreads.values():  # alpha (1 - alpha) of an average weight of about 0.42
        assert 0.19 < spread["scaled_top_slope"] < 0.24
    # the page: "several times less than the scaled slope at d_k = 64 and less still at 256"
    assert spreads[64]["top_slope"] < 0.4 * spreads[64]["scaled_top_slope"]
    assert spreads[256]["top_slope"] < 0.6 * spreads[64]["top_slope"]
    # at d_k = 1 scaling changes nothing, and the slope is near its largest, 1/4
    assert 0.18 < spreads[1]["top_slope"] < 0.25


@pytest.mark.parametrize("d_k", [4, 64])
def test_score_spread_is_stable_across_seeds_to_the_digits_printed(d_k):
    a, b = score_spread(d_k, seed=0), score_spread(d_k, seed=1)
    assert a != b  # different draws ...
    for key in ("top_weight", "scaled_top_weight", "scaled_std", "top_slope"):
        assert abs(a[key] - b[key]) < 0.03  # ... the same table, give or take 0.02
    assert abs(a["std"] / b["std"] - 1) < 0.03


def test_scaled_dot_product_equals_torch_without_a_mask(device):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 8, device=device) for _ in range(3))
    context, weights = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(context, F.scaled_dot_product_attention(q, k, v))
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5, device=device))


def test_hide_is_the_opposite_of_torch_attn_mask(device):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 8, device=device) for _ in range(3))
    hide = future_mask(5, device=device)
    context, weights = scaled_dot_product_attention(q, k, v, hide=hide)
    torch.testing.assert_close(context, F.scaled_dot_product_attention(q, k, v, attn_mask=~hide))
    torch.testing.assert_close(context, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert (weights[..., hide] == 0).all()
    unflipped = F.scaled_dot_product_attention(q, k, v, attn_mask=hide)
    assert not torch.allclose(context[..., :-1, :], unflipped[..., :-1, :])
    # unflipped, token t attends to the tokens after t only: what hide=~mask means to us
    future_only, _ = scaled_dot_product_attention(q, k, v, hide=~hide)
    torch.testing.assert_close(unflipped[..., :-1, :], future_only[..., :-1, :])
    # not only causal masks: hide the last two keys (padding) from every query
    padding = torch.zeros(5, 5, dtype=torch.bool, device=device)
    padding[:, 3:] = True
    context, weights = scaled_dot_product_attention(q, k, v, hide=padding)
    torch.testing.assert_close(context, F.scaled_dot_product_attention(q, k, v,
                                                                       attn_mask=~padding))
    assert (weights[..., 3:] == 0).all()


def test_unflipped_mask_leaves_the_last_token_nothing_and_torch_returns_zeros():
    # the page, on the CPU: "the PyTorch that built this page returns zeros there"
    torch.manual_seed(123)
    sa = SelfAttention(d_in=3, d_out=2)
    mask = future_mask(6)
    with torch.no_grad():
        q, k, v = sa.W_query(inputs), sa.W_key(inputs), sa.W_value(inputs)
        unflipped = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        _, ours = scaled_dot_product_attention(q, k, v, hide=~mask)
    assert not mask[-1].any()  # we hide nothing from the last token; torch reads "allow none"
    assert torch.equal(unflipped[-1], torch.zeros(2))
    assert torch.isnan(ours[-1]).all()  # a plain softmax over nothing: 0 / 0
    assert unflipped[:-1].abs().min() > 0


def test_hide_must_be_a_boolean_mask_of_the_scores_shape(device):
    q = torch.randn(4, 8, device=device)
    with pytest.raises(ValueError, match=r"hide is a torch.float32 tensor of shape \(4, 4\)"):
        scaled_dot_product_attention(q, q, q, hide=torch.zeros(4, 4, device=device))


def test_scaled_dot_product_rejects_bad_shapes(device):
    q = torch.randn(4, 8, device=device)
    with pytest.raises(ValueError, match=r"keys has shape \(4, 6\).*must be 8"):
        scaled_dot_product_attention(q, torch.randn(4, 6, device=device), q)
    with pytest.raises(ValueError, match="^keys have 4 tokens but values have 3: they must match$"):
        scaled_dot_product_attention(q, q, torch.randn(3, 8, device=device))
    with pytest.raises(ValueError, match=r"shape \(3, 3\).*\(4, 4\)"):
        scaled_dot_product_attention(q, q, q, hide=future_mask(3, device=device))


def test_future_mask_values_and_torch_s_own_causal_mask(device):
    assert future_mask(3).tolist() == [[False, True, True], [False, False, True],
                                       [False, False, False]]
    torch_mask = nn.Transformer.generate_square_subsequent_mask(7, device=device)  # -inf: hidden
    assert torch.equal(future_mask(7, device=device), torch_mask == -torch.inf)
    with pytest.raises(ValueError, match="num_tokens must be at least 1, got 0"):
        future_mask(0)


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


def test_our_dropout_zeroes_weights_rescales_the_rest_and_is_off_in_eval(device):
    torch.manual_seed(0)
    q, k, v = (torch.randn(8, 4, 32, 16, device=device) for _ in range(3))
    hide = future_mask(32, device=device)
    _, plain = scaled_dot_product_attention(q, k, v, hide=hide)
    dropout = nn.Dropout(0.3)
    context, dropped = scaled_dot_product_attention(q, k, v, hide=hide, dropout=dropout)
    visible = ~hide.expand_as(plain)
    kept = dropped != 0
    assert abs((~kept[visible]).float().mean().item() - 0.3) < 0.02  # 0.3 of them zeroed
    torch.testing.assert_close(dropped[kept], plain[kept] / 0.7)  # the rest scaled up
    torch.testing.assert_close(context, dropped @ v)  # and those are the weights used
    assert not torch.allclose(dropped.sum(-1), torch.ones_like(plain[..., 0]))
    dropout.eval()
    context, weights = scaled_dot_product_attention(q, k, v, hide=hide, dropout=dropout)
    torch.testing.assert_close(weights, plain)
    torch.testing.assert_close(context, plain @ v)


def test_dropout_keeps_the_expected_context_vector(device):
    # the page: on average each weight is w, "and so is every context vector"
    torch.manual_seed(0)
    q, k, v = (torch.randn(6, 4, device=device) for _ in range(3))
    hide = future_mask(6, device=device)
    plain, _ = scaled_dot_product_attention(q, k, v, hide=hide)
    num_draws = 20_000
    dropped, _ = scaled_dot_product_attention(
        *(t.expand(num_draws, 6, 4) for t in (q, k, v)), hide=hide, dropout=nn.Dropout(0.5))
    assert (dropped[0] - plain).abs().max() > 0.2  # one draw is far off ...
    torch.testing.assert_close(dropped.mean(dim=0), plain, rtol=0, atol=0.04)  # ... the mean not


def dropout_io(layer: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The layer's output, and what its dropout module received and returned."""
    seen = {}
    handle = layer.dropout.register_forward_hook(
        lambda module, args, output: seen.update(weights=args[0], dropped=output))
    try:
        output = layer(x)
    finally:
        handle.remove()
    return output, seen["weights"], seen["dropped"]


@pytest.mark.parametrize("kind", ["causal", "multi_head"])
def test_our_layers_drop_attention_weights_in_training_only(device, kind):
    torch.manual_seed(0)
    if kind == "causal":
        layer = CausalAttention(d_in=8, d_out=8, context_length=16, dropout=0.5).to(device)
    else:
        layer = MultiHeadAttention(d_in=8, d_out=8, context_length=16, dropout=0.5,
                                   num_heads=2).to(device)
    x = torch.randn(16, 16, 8, device=device)
    visible = ~future_mask(16, device=device)
    with torch.no_grad():
        output, weights, dropped = dropout_io(layer.train(), x)
        # what is dropped are the causal attention weights: rows of 1, zero in the future
        torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights[..., 0]))
        assert weights.shape[-2:] == (16, 16) and (weights[..., ~visible] == 0).all()
        kept = dropped != 0
        assert abs((~kept[..., visible]).float().mean().item() - 0.5) < 0.03
        torch.testing.assert_close(dropped[kept], 2 * weights[kept])
        eval_output, eval_weights, eval_dropped = dropout_io(layer.eval(), x)
        torch.testing.assert_close(eval_dropped, eval_weights)
        torch.testing.assert_close(eval_weights, weights)
        assert not torch.allclose(output, eval_output)
        no_dropout = type(layer)(**({"d_in": 8, "d_out": 8, "context_length": 16, "dropout": 0.0}
                                    | ({} if kind == "causal" else {"num_heads": 2})))
        no_dropout.load_state_dict(layer.state_dict())
        torch.testing.assert_close(eval_output, no_dropout.to(device).train()(x))


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_equals_torch_multihead_attention(device, causal):
    torch.manual_seed(0)
    ours = MultiHeadAttention(d_in=16, d_out=16, context_length=10, dropout=0.0, num_heads=4,
                              qkv_bias=True, causal=causal).to(device).eval()
    theirs = to_torch_multihead(ours)
    x = torch.randn(3, 7, 16, device=device)
    mask = future_mask(7, device=device) if causal else None
    expected, _ = theirs(x, x, x, attn_mask=mask, need_weights=False)
    torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)


def test_multi_head_wrapper_equals_batched_heads(device):
    torch.manual_seed(0)
    wrapper = MultiHeadAttentionWrapper(d_in=3, head_dim=2, context_length=6, dropout=0.0,
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
    with pytest.raises(ValueError, match="d_in == d_out and qkv_bias=True, got d_in=3, d_out=4, "
                                         "qkv_bias=False"):
        to_torch_multihead(ours)
    for d_in, qkv_bias in [(3, True), (4, False)]:  # either one missing is enough to refuse
        ours = MultiHeadAttention(d_in=d_in, d_out=4, context_length=6, dropout=0.0,
                                  num_heads=2, qkv_bias=qkv_bias)
        with pytest.raises(ValueError, match=f"got d_in={d_in}, d_out=4, qkv_bias={qkv_bias}"):
            to_torch_multihead(ours)


@pytest.mark.parametrize("qkv_bias", [False, True])
def test_qkv_bias_decides_whether_the_three_projections_have_a_bias(qkv_bias):
    for layer in (SelfAttention(d_in=3, d_out=2, qkv_bias=qkv_bias),
                  CausalAttention(d_in=3, d_out=2, context_length=6, dropout=0.0,
                                  qkv_bias=qkv_bias),
                  MultiHeadAttention(d_in=3, d_out=4, context_length=6, dropout=0.0,
                                     num_heads=2, qkv_bias=qkv_bias)):
        assert [(getattr(layer, name).bias is not None)
                for name in ("W_query", "W_key", "W_value")] == [qkv_bias] * 3


def test_one_head_is_causal_attention_and_the_mask_is_not_saved(device):
    """num_heads=1 is allowed (one head of width d_out); the causal mask is rebuilt from
    context_length, so the saved weights hold only the learned projections."""
    torch.manual_seed(0)
    one = MultiHeadAttention(d_in=3, d_out=2, context_length=6, dropout=0.0,
                             num_heads=1).to(device)
    causal = CausalAttention(d_in=3, d_out=2, context_length=6, dropout=0.0).to(device)
    with torch.no_grad():
        for name in ("W_query", "W_key", "W_value"):
            getattr(causal, name).weight.copy_(getattr(one, name).weight)
    batch = torch.stack((inputs, inputs)).to(device)
    torch.testing.assert_close(one(batch), one.out_proj(causal(batch)))
    assert "mask" not in one.state_dict() and one.mask.shape == (6, 6)
    assert "mask" not in causal.state_dict() and causal.mask.shape == (6, 6)
    with pytest.raises(ValueError,
                       match=r"^x has shape \(2, 6, 4\): its last dimension must be 3$"):
        causal(torch.randn(2, 6, 4, device=device))


def test_multi_head_attention_names_its_input_in_errors(device):
    layer = MultiHeadAttention(d_in=3, d_out=4, context_length=6, dropout=0.0, num_heads=2)
    with pytest.raises(ValueError, match=r"^x has shape \(6, 3\)"):
        layer(inputs)


@pytest.mark.parametrize("num_heads", [0, 3])
def test_multi_head_attention_rejects_heads_that_do_not_divide_d_out(num_heads):
    with pytest.raises(ValueError, match=f"num_heads={num_heads} must .* divide d_out=4"):
        MultiHeadAttention(d_in=3, d_out=4, context_length=6, dropout=0.0, num_heads=num_heads)


def test_smollm2_predicts_paris_at_the_position_of_is(smollm2):
    model, tokenizer = smollm2
    top = top_next_tokens(model, tokenizer, "The capital of France is", k=5)
    assert [token for token, _ in top][:3] == [" Paris", " the", " London"]
    assert top[0][1] == pytest.approx(0.7725, abs=3e-4)  # printed as 0.773
    assert top == top_next_tokens(model, tokenizer, "The capital of France is")  # k=5
    assert top_next_tokens(model, tokenizer, "The capital of France is", k=1) == top[:1]
    with pytest.raises(ValueError, match="k at least 1"):
        top_next_tokens(model, tokenizer, "Paris", k=0)


def test_smollm2_heads_where_is_attends_to_france(smollm2_eager):
    model, tokenizer = smollm2_eager
    tokens, weights = model_attention(model, tokenizer, "The capital of France is Paris")
    assert tokens == ["The", " capital", " of", " France", " is", " Paris"]
    assert weights.shape == (30, 9, 6, 6)
    torch.testing.assert_close(weights.sum(-1), torch.ones(30, 9, 6, device=weights.device))
    assert (weights.triu(diagonal=1) == 0).all()  # a decoder never looks ahead
    top = strongest_heads(weights, query_pos=4, key_pos=3, k=3)
    assert [(layer, head) for layer, head, _ in top] == [(23, 4), (16, 0), (1, 2)]
    assert [w for _, _, w in top] == pytest.approx([0.9033, 0.7766, 0.6198], abs=3e-4)
    torch.testing.assert_close(weights[23, 4, 4, :5].cpu(),
                               torch.tensor([0.067, 0.012, 0.008, 0.903, 0.009]), atol=1e-3,
                               rtol=0)
    on_france = weights[:, :, 4, 3]
    assert on_france.median().item() == pytest.approx(0.0316, abs=3e-4)  # most heads: little
    assert (on_france > 0.5).sum().item() == 8
    with pytest.raises(ValueError, match="key_pos=5, query_pos=4"):
        strongest_heads(weights, query_pos=4, key_pos=5)


def test_strongest_heads_takes_every_valid_position_and_count():
    """Heads ranked by the weight from one query to one key: k from 1 to every head, the key
    from the first token to the query itself; the query must be a token of the text."""
    weights = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    weights[1, 2, 3, 0] = 2.0  # layer 1, head 2: the largest weight from query 3 to key 0
    assert strongest_heads(weights, query_pos=3, key_pos=0, k=1) == [(1, 2, 2.0)]
    assert len(strongest_heads(weights, query_pos=3, key_pos=0)) == 3  # k=3 by default
    every = strongest_heads(weights, query_pos=2, key_pos=2, k=6)  # a query on itself
    assert sorted((layer, head) for layer, head, _ in every) == [
        (layer, head) for layer in range(2) for head in range(3)]
    assert [w for _, _, w in every] == sorted(weights[:, :, 2, 2].flatten().tolist(),
                                              reverse=True)
    with pytest.raises(ValueError, match=r"^need 0 <= key_pos <= query_pos < 4 and 1 <= k <= 6, "
                                         r"got key_pos=0, query_pos=4, k=3$"):
        strongest_heads(weights, query_pos=4, key_pos=0)


def test_smollm2_heads_put_most_weight_on_the_first_token(smollm2_eager):
    model, tokenizer = smollm2_eager
    _, weights = model_attention(model, tokenizer, "The capital of France is Paris")
    share = first_token_share(weights)
    assert share.shape == (30, 9)
    assert share.mean().item() == pytest.approx(0.7224, abs=3e-4)  # the page: 0.72
    assert (share > 0.5).sum().item() == 223
    torch.testing.assert_close(share[0, 0], weights[0, 0, 1:, 0].mean())
    even = first_token_share(uniform_causal_weights(6, device=weights.device)[None, None])
    assert even.item() == pytest.approx(0.29, abs=1e-6)  # the page: 0.29 if spread evenly
    # "Paris" first instead of "The": the first position still draws the weight
    tokens, weights = model_attention(model, tokenizer, "Paris is the capital of France")
    assert tokens[0] == "Paris" and len(tokens) == 6
    share = first_token_share(weights)
    assert share.mean().item() == pytest.approx(0.6874, abs=3e-4)
    assert (share > 0.5).sum().item() == 211
    with pytest.raises(ValueError, match=r"weights has shape \(9, 6, 6\)"):
        first_token_share(weights[0])


def test_uniform_causal_weights_are_a_softmax_of_equal_scores(device):
    weights = uniform_causal_weights(5, device=device)
    scores = torch.zeros(5, 5, device=device).masked_fill(future_mask(5, device=device),
                                                           -torch.inf)
    torch.testing.assert_close(weights, torch.softmax(scores, dim=-1))
    assert weights[3].tolist() == [0.25, 0.25, 0.25, 0.25, 0.0]
    assert first_token_share(weights[None, None]).item() == pytest.approx(
        (1 / 2 + 1 / 3 + 1 / 4 + 1 / 5) / 4)
    with pytest.raises(ValueError, match="num_tokens must be at least 1, got 0"):
        uniform_causal_weights(0)
    assert uniform_causal_weights(1).tolist() == [[1.0]]  # one token sees only itself
    two = uniform_causal_weights(2)[None, None]  # the smallest text with a second query
    assert first_token_share(two).tolist() == [[0.5]]
    with pytest.raises(ValueError, match=r"^weights has shape \(2, 2\): it must be \(num_layers, "
                                         r"num_heads, num_tokens >= 2, num_tokens\)$"):
        first_token_share(two[0, 0])


def test_smollm2_has_grouped_query_attention_and_no_attention_dropout(smollm2):
    model, _ = smollm2
    config = model.config
    assert (config.num_hidden_layers, config.num_attention_heads) == (30, 9)
    assert config.num_key_value_heads == 3 and config.attention_dropout == 0.0
    # its positions are rotary (RoPE), without rescaling
    assert config.rope_parameters == {"rope_theta": 100000.0, "rope_type": "default"}
    attention = model.model.layers[0].self_attn  # 9 query heads but only 3 sets of keys
    head_dim = config.hidden_size // config.num_attention_heads
    assert attention.q_proj.out_features == 9 * head_dim
    assert attention.k_proj.out_features == attention.v_proj.out_features == 3 * head_dim


def test_model_attention_needs_eager_attention_and_text(smollm2):
    model, tokenizer = smollm2
    with pytest.raises(ValueError, match="attn_implementation='eager'"):
        model_attention(model, tokenizer, "Paris")
    with pytest.raises(ValueError, match="^text must be a non-empty string, got ''$"):
        model_attention(model, tokenizer, "")
