import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from snippets.architectures.local_attention import band_mask, local_attention, local_attention_loop  # noqa: E402


def test_band_masks():
    assert band_mask(4, 2).int().tolist() == [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1],
                                              [0, 0, 1, 1]]
    assert band_mask(4, 2, causal=True).int().tolist() == [[1, 0, 0, 0], [1, 1, 0, 0],
                                                           [0, 1, 1, 0], [0, 0, 1, 1]]
    assert torch.equal(band_mask(5, 1), torch.eye(5, dtype=torch.bool))
    assert band_mask(5, 5).all()  # a window as long as the text: full attention
    assert torch.equal(band_mask(5, 9, causal=True), torch.ones(5, 5, dtype=torch.bool).tril())


def test_window_3_means_2_neighbours_each_side_5_keys_in_all_3_when_causal():
    keys_per_query = band_mask(12, window=3).sum(dim=1)
    assert keys_per_query.max() == 5 and keys_per_query[[0, -1]].tolist() == [3, 3]
    assert band_mask(12, window=3)[6].nonzero().flatten().tolist() == [4, 5, 6, 7, 8]
    assert band_mask(12, window=3, causal=True).sum(dim=1).max() == 3


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("window", [1, 2, 3, 16, 40])
def test_local_attention_equals_full_attention_with_a_band_mask(device, window, causal):
    torch.manual_seed(window)
    q, k, v = torch.randn(3, 2, 4, 16, 8, device=device)  # (batch, heads, tokens, d)
    expected = F.scaled_dot_product_attention(
        q, k, v, attn_mask=band_mask(16, window, causal).to(device))
    torch.testing.assert_close(local_attention(q, k, v, window, causal), expected)
    torch.testing.assert_close(local_attention_loop(q, k, v, window, causal), expected)


def test_a_window_below_one_is_refused():
    x = torch.zeros(4, 8)
    for call in (lambda: band_mask(4, 0), lambda: local_attention(x, x, x, 0),
                 lambda: local_attention_loop(x, x, x, -2)):
        with pytest.raises(ValueError, match=r"window must be at least 1 .*got (0|-2)"):
            call()
