import pytest
import torch
import torch.nn.functional as F

from snippets.lsh_attention import lsh_attention, lsh_buckets


def test_buckets_are_in_range_and_fixed_by_the_seed(device):
    x = torch.randn(64, 16, generator=torch.Generator().manual_seed(0)).to(device)
    buckets = lsh_buckets(x, num_buckets=8, seed=3)
    assert buckets.shape == (64,) and buckets.min() >= 0 and buckets.max() < 8
    assert torch.equal(buckets, lsh_buckets(x, 8, seed=3))
    assert not torch.equal(buckets, lsh_buckets(x, 8, seed=4))


def test_opposite_vectors_land_in_opposite_buckets_and_scaling_changes_nothing(device):
    x = torch.randn(32, 16, generator=torch.Generator().manual_seed(1)).to(device)
    buckets = lsh_buckets(x, 8)
    assert torch.equal(lsh_buckets(-x, 8), (buckets + 4) % 8)  # argmax of [xR, -xR] flips
    assert torch.equal(lsh_buckets(3 * x, 8), buckets)  # only the direction matters


def test_similar_vectors_share_a_bucket_more_often_than_random_ones():
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(500, 32, generator=generator)
    near = x + 0.1 * torch.randn(500, 32, generator=generator)
    far = torch.randn(500, 32, generator=generator)
    same_near = (lsh_buckets(x, 8) == lsh_buckets(near, 8)).float().mean()
    same_far = (lsh_buckets(x, 8) == lsh_buckets(far, 8)).float().mean()
    assert same_near > 0.8 and same_far < 0.25


def test_lsh_attention_equals_full_attention_masked_to_the_buckets(device):
    generator = torch.Generator().manual_seed(3)
    qk, v = torch.randn(2, 24, 8, generator=generator).to(device)
    context, buckets = lsh_attention(qk, v, num_buckets=4)
    same_bucket = buckets[:, None] == buckets[None, :]
    expected = F.scaled_dot_product_attention(qk, qk, v, attn_mask=same_bucket)
    torch.testing.assert_close(context, expected)
    assert len(buckets.unique()) > 1  # the test would prove little with a single bucket


def test_a_bad_number_of_buckets_is_refused():
    for n in (0, 1, 3):
        with pytest.raises(ValueError, match=f"even number of at least 2, got {n}"):
            lsh_buckets(torch.zeros(4, 8), n)
