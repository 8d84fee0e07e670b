import pytest
import torch
from torch import nn

from snippets.attention import CausalAttention
from snippets.rnn import first_token_influence, init_rnn_weights, rnn_forward


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
    assert a["W_hh"].shape == (16, 16) and a["W_hh"].abs().max() <= 16**-0.5
    with pytest.raises(ValueError, match="at least 1, got 0 and 16"):
        init_rnn_weights(0, 16)


def test_rnn_rejects_inputs_of_the_wrong_width():
    weights = init_rnn_weights(3, 5)
    with pytest.raises(ValueError, match=r"inputs has shape \(4, 2\).*\(num_tokens, 3\)"):
        rnn_forward(torch.ones(4, 2), **weights)


def test_rnn_forgets_the_first_token_but_attention_does_not():
    torch.manual_seed(0)
    inputs = torch.randn(40, 8)
    weights = init_rnn_weights(8, 16, seed=0)
    rnn_influence = first_token_influence(lambda x: rnn_forward(x, **weights), inputs)
    attention = CausalAttention(8, 16, context_length=40, dropout=0.0)
    attn_influence = first_token_influence(lambda x: attention(x[None])[0], inputs)
    assert rnn_influence.shape == attn_influence.shape == (40,)
    assert rnn_influence[-1] < 1e-6 * rnn_influence[0]  # faded away, step by step
    assert attn_influence[-1] > 1e-2 * attn_influence[0]  # one step away, at any distance


def test_influence_of_an_identity_layer_is_one_then_zero():
    influence = first_token_influence(lambda x: x, torch.ones(3, 2))
    torch.testing.assert_close(influence, torch.tensor([2**0.5, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"inputs has shape \(3,\)"):
        first_token_influence(lambda x: x, torch.ones(3))
