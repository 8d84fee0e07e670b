import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from snippets.architectures.local_attention import band_mask, local_attention, local_attention_loop  # noqa: E402


def test_band_masks():
    assert band_mask(4, 1).int().tolist() == [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1],
                                              [0, 0, 1, 1]]
    assert band_mask(4, 1, causal=True).int().tolist() == [[1, 0, 0, 0], [1, 1, 0, 0],
                                                           [0, 1, 1, 0], [0, 0, 1, 1]]
    assert torch.equal(band_mask(5, 0), torch.eye(5, dtype=torch.bool))
    assert torch.equal(band_mask(5, 0, causal=True), torch.eye(5, dtype=torch.bool))
    assert band_mask(5, 4).all() and not band_mask(5, 3).all()  # radius 4 reaches across 5
    assert torch.equal(band_mask(5, 8, causal=True), torch.ones(5, 5, dtype=torch.bool).tril())


def test_radius_2_means_2_neighbours_each_side_5_keys_in_all_3_when_causal():
    keys_per_query = band_mask(12, radius=2).sum(dim=1)
    assert keys_per_query.max() == 5 and keys_per_query[[0, -1]].tolist() == [3, 3]
    assert band_mask(12, radius=2)[6].nonzero().flatten().tolist() == [4, 5, 6, 7, 8]
    assert band_mask(12, radius=2, causal=True).sum(dim=1).max() == 3
    assert band_mask(12, radius=2, causal=True)[6].nonzero().flatten().tolist() == [4, 5, 6]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("radius", [0, 1, 2, 15, 39])
def test_local_attention_equals_full_attention_with_a_band_mask(device, radius, causal):
    torch.manual_seed(radius)
    q, k, v = torch.randn(3, 2, 4, 16, 8, device=device)  # (batch, heads, tokens, d)
    expected = F.scaled_dot_product_attention(
        q, k, v, attn_mask=band_mask(16, radius, causal).to(device))
    torch.testing.assert_close(local_attention(q, k, v, radius, causal), expected)
    torch.testing.assert_close(local_attention_loop(q, k, v, radius, causal), expected)


def test_the_window_is_two_sided_by_default_and_one_unbatched_sequence_works():
    torch.manual_seed(7)
    q, k, v = torch.randn(3, 10, 4)  # each (num_tokens, d): no batch, no heads
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=band_mask(10, 2, causal=False))
    torch.testing.assert_close(local_attention(q, k, v, 2), expected)
    torch.testing.assert_close(local_attention_loop(q, k, v, 2), expected)
    assert torch.equal(band_mask(10, 2), band_mask(10, 2, causal=False))


def test_a_negative_radius_is_refused():
    x = torch.zeros(4, 8)
    for call in (lambda: band_mask(4, -1), lambda: local_attention(x, x, x, -1),
                 lambda: local_attention_loop(x, x, x, -2)):
        with pytest.raises(ValueError, match=r"radius must be at least 0 .*got (-1|-2)"):
            call()
