import pytest
import torch
from torch import nn

from snippets.attention.rnn import (
    first_token_influence,
    gated_rnns,
    influence_by_weight_scale,
    init_rnn_weights,
    rnn_forward,
)
from snippets.attention.self_attention import (
    CausalAttention,
    future_mask,
    scaled_dot_product_attention,
)

# The influence curves run on the CPU, as in the lesson (wherever the notebook runs, its
# from-scratch RNN parts stay on the CPU); the RNN loop itself is also checked on `device`.


@pytest.fixture(scope="module")
def long_sentence() -> torch.Tensor:
    """The lesson's input: "I love you" (random embeddings) and 47 random words."""
    torch.manual_seed(0)
    embedding = nn.Embedding(3, 4)
    with torch.no_grad():
        sentence = embedding(torch.tensor([0, 1, 2]))
    torch.manual_seed(1)
    return torch.cat([sentence, torch.randn(47, 4)])


def test_rnn_loop_equals_torch_rnn(device):
    weights = {k: v.to(device) for k, v in init_rnn_weights(d_in=3, d_hidden=5, seed=1).items()}
    inputs = torch.randn(4, 3, generator=torch.Generator().manual_seed(0)).to(device)
    rnn = nn.RNN(3, 5, nonlinearity="tanh", batch_first=True).to(device)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(weights["W_xh"].T)
        rnn.weight_hh_l0.copy_(weights["W_hh"].T)
        rnn.bias_ih_l0.copy_(weights["b_h"])
        rnn.bias_hh_l0.zero_()
    expected, _ = rnn(inputs[None])
    torch.testing.assert_close(rnn_forward(inputs, **weights), expected[0])


def test_rnn_weights_are_seeded_and_bounded():
    a, b = init_rnn_weights(3, 16, seed=7), init_rnn_weights(3, 16, seed=7)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["W_hh"], init_rnn_weights(3, 16, seed=8)["W_hh"])
    assert a["W_hh"].shape == (16, 16) and a["W_hh"].abs().max() <= 16**-0.5
    assert a["W_hh"].abs().max() > 0.9 * 16**-0.5  # spans the whole range, as torch's does
    with pytest.raises(ValueError, match="at least 1, got 0 and 16"):
        init_rnn_weights(0, 16)


def test_rnn_rejects_inputs_of_the_wrong_width():
    weights = init_rnn_weights(3, 5)
    with pytest.raises(ValueError, match=r"inputs has shape \(4, 2\).*\(num_tokens, 3\)"):
        rnn_forward(torch.ones(4, 2), **weights)


def test_influence_equals_the_full_jacobian_of_autograd():
    weights = init_rnn_weights(3, 6, seed=2)
    inputs = torch.randn(7, 3, generator=torch.Generator().manual_seed(3))
    full = torch.autograd.functional.jacobian(lambda x: rnn_forward(x, **weights), inputs)
    expected = full[:, :, 0, :].flatten(1).norm(dim=1)  # (n, d_out, n, d_in) -> token 1 only
    torch.testing.assert_close(first_token_influence(lambda x: rnn_forward(x, **weights), inputs),
                               expected)


def test_influence_of_an_identity_layer_is_one_then_zero():
    influence = first_token_influence(lambda x: x, torch.ones(3, 2))
    torch.testing.assert_close(influence, torch.tensor([2**0.5, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"inputs has shape \(3,\)"):
        first_token_influence(lambda x: x, torch.ones(3))


def test_the_lessons_rnn_forgets_geometrically_but_attention_does_not(long_sentence):
    weights = init_rnn_weights(d_in=4, d_hidden=32)
    rnn_influence = first_token_influence(lambda x: rnn_forward(x, **weights), long_sentence)
    torch.manual_seed(0)
    attention = CausalAttention(d_in=4, d_out=32, context_length=50, dropout=0.0)
    attn_influence = first_token_influence(lambda x: attention(x[None])[0], long_sentence)
    assert rnn_influence.shape == attn_influence.shape == (50,)
    assert rnn_influence[-1] < 1e-10 * rnn_influence[0]  # many orders of magnitude
    factors = rnn_influence[1:] / rnn_influence[:-1]  # "between about 0.45 and 0.65"
    assert 0.44 < factors.min() and factors.max() < 0.66
    # a straight line on a log scale: the same factor per step early and late
    early = (rnn_influence[24] / rnn_influence[9]) ** (1 / 15)
    late = (rnn_influence[49] / rnn_influence[24]) ** (1 / 25)
    assert early < 0.7 and abs(early - late) < 0.05 * early
    assert 1e-2 * attn_influence[0] < attn_influence[-1] < attn_influence[0]
    # the page: attention's curve rises and falls with the weight alpha_t1 that output t
    # gives word 1, closely but not exactly
    with torch.no_grad():
        _, weights = scaled_dot_product_attention(
            attention.W_query(long_sentence), attention.W_key(long_sentence),
            attention.W_value(long_sentence), hide=future_mask(50))
    alpha_t1 = weights[:, 0]
    log_both = torch.stack([attn_influence.log(), alpha_t1.log()])
    assert torch.corrcoef(log_both)[0, 1] > 0.99  # the same shape on the log scale
    drop = (attn_influence[0] / attn_influence[-1]) / (alpha_t1[0] / alpha_t1[-1])
    assert 0.8 < drop < 1.25  # and about the same fall from t=1 to t=50
    ratio = attn_influence / alpha_t1
    assert ratio.max() > 1.1 * ratio.min()  # but not exactly proportional


def test_larger_recurrent_weights_turn_vanishing_into_exploding(long_sentence):
    weights = init_rnn_weights(d_in=4, d_hidden=32)
    curves = influence_by_weight_scale(weights, long_sentence, scales=[1, 2, 4, 8])
    ratio = {scale: (curve[-1] / curve[0]).item() for scale, curve in curves.items()}
    assert ratio[1] < 1e-10  # vanishes
    assert ratio[1] < ratio[2] < 1  # shrinks, more slowly
    assert ratio[4] > 1e2 and ratio[8] > 1e6  # explodes
    # each curve is that of torch's own nn.RNN with W_hh times the scale ...
    # (x4 explodes, and amplifies float rounding too: a looser relative tolerance)
    for scale, tolerance in [(2, {}), (4, {"rtol": 1e-3, "atol": 1e-5})]:
        rnn = nn.RNN(4, 32, nonlinearity="tanh")
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(weights["W_xh"].T)
            rnn.weight_hh_l0.copy_(scale * weights["W_hh"].T)
            rnn.bias_ih_l0.copy_(weights["b_h"])
            rnn.bias_hh_l0.zero_()
        expected = first_token_influence(lambda x, rnn=rnn: rnn(x)[0], long_sentence)
        torch.testing.assert_close(curves[scale], expected, **tolerance)
    # ... and the weights passed in are left as they were
    assert torch.equal(weights["W_hh"], init_rnn_weights(d_in=4, d_hidden=32)["W_hh"])
    with pytest.raises(ValueError, match=r"positive numbers, got \[1, 0\]"):
        influence_by_weight_scale(weights, long_sentence, scales=[1, 0])


def test_gated_rnns_forget_as_initialised_but_not_with_open_forget_gates(long_sentence):
    rnns = gated_rnns(d_in=4, d_hidden=32, forget_bias=3.0)
    assert list(rnns) == ["GRU", "LSTM", "LSTM, forget bias 3"]
    ratio = {}
    for name, rnn in rnns.items():
        influence = first_token_influence(lambda x, rnn=rnn: rnn(x)[0], long_sentence)
        ratio[name] = (influence[-1] / influence[0]).item()
    assert ratio["GRU"] < 1e-8 and ratio["LSTM"] < 1e-8
    assert ratio["LSTM, forget bias 3"] > 0.1


def lstm_gates(lstm: nn.LSTM, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """The input, forget, cell and output gates of one LSTM step, from torch's own weights."""
    pre = x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0
    i, f, g, o = pre.chunk(4, dim=-1)  # torch's order of the four blocks
    return {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g),
            "o": torch.sigmoid(o)}


def test_open_lstm_differs_from_the_lstm_in_its_forget_gate_only(long_sentence):
    rnns = gated_rnns(d_in=4, d_hidden=32, forget_bias=3.0)
    lstm, open_lstm = rnns["LSTM"], rnns["LSTM, forget bias 3"]
    with torch.no_grad():
        h, _ = lstm(long_sentence)  # the states the LSTM passes through
        h_prev = torch.cat([torch.zeros(1, 32), h[:-1]])
        gates = lstm_gates(lstm, long_sentence, h_prev)
        open_gates = lstm_gates(open_lstm, long_sentence, h_prev)
        # the gate lstm_gates calls "f" is the one torch uses to keep c_{t-1}
        _, (_, c_1) = open_lstm(long_sentence[:1])
        _, (_, c_2) = open_lstm(long_sentence[:2])
        step = lstm_gates(open_lstm, long_sentence[1], open_lstm(long_sentence[:1])[0][0])
    torch.testing.assert_close(c_2[0], step["f"] * c_1[0] + step["i"] * step["g"])
    assert 0.3 < gates["f"].mean() < 0.7  # as initialised: about half of c_{t-1} kept
    assert open_gates["f"].mean() > 0.9 and open_gates["f"].min() > 0.85  # held open
    for gate in ("i", "g", "o"):
        torch.testing.assert_close(open_gates[gate], gates[gate])


def test_gated_rnns_are_seeded_without_touching_the_global_generator():
    state = torch.random.get_rng_state()
    a, b = gated_rnns(d_in=4, d_hidden=8, forget_bias=3.0), gated_rnns(4, 8, 3.0)
    assert torch.equal(torch.random.get_rng_state(), state)  # no hidden side effect
    assert torch.equal(a["GRU"].weight_hh_l0, b["GRU"].weight_hh_l0)  # same seed, same RNNs
    other = gated_rnns(d_in=4, d_hidden=8, forget_bias=3.0, seed=1)
    assert not torch.equal(a["LSTM"].weight_hh_l0, other["LSTM"].weight_hh_l0)
    with pytest.raises(ValueError, match="at least 1, got 4 and 0"):
        gated_rnns(d_in=4, d_hidden=0, forget_bias=3.0)


def test_the_core_lessons_rnn_gives_32_numbers_and_forgets_at_every_step():
    # the lesson: fifty words of four random numbers; "it shrinks at every step here"
    torch.manual_seed(1)
    sentence = torch.randn(50, 4)
    weights = init_rnn_weights(d_in=4, d_hidden=32)
    assert rnn_forward(sentence, **weights)[-1].shape == (32,)
    assert rnn_forward(sentence[:3], **weights)[-1].shape == (32,)  # for three words too
    influence = first_token_influence(lambda x: rnn_forward(x, **weights), sentence)
    assert (influence[1:] < influence[:-1]).all()
    assert influence[-1] < 1e-10 * influence[0]
