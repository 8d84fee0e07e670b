import pytest
import torch
import torch.nn.functional as F
from transformers import ReformerConfig
from transformers.models.reformer.modeling_reformer import LSHSelfAttention

from snippets.architectures.lsh_attention import (
    clustered_vectors,
    lsh_attention,
    lsh_buckets,
    lsh_quality,
)


def reformer_buckets(x: torch.Tensor, num_buckets: int, seed: int) -> torch.Tensor:
    """The buckets transformers' Reformer gives x (num_tokens, d): one head, one hash round."""
    config = ReformerConfig(num_attention_heads=1, attention_head_size=x.shape[-1],
                            hidden_size=x.shape[-1], num_buckets=num_buckets, num_hashes=1,
                            hash_seed=seed)  # it draws its rotation after torch.manual_seed
    layer = LSHSelfAttention(config)
    return layer._hash_vectors(x.cpu()[None, None], num_hashes=1, attention_mask=None)[0, 0]


def test_buckets_are_in_range_and_fixed_by_the_seed(device):
    x = torch.randn(64, 16, generator=torch.Generator().manual_seed(0)).to(device)
    buckets = lsh_buckets(x, num_buckets=8, seed=3)
    assert buckets.shape == (64,) and buckets.min() >= 0 and buckets.max() < 8
    assert torch.equal(buckets, lsh_buckets(x, 8, seed=3))
    assert not torch.equal(buckets, lsh_buckets(x, 8, seed=4))


def test_a_batch_of_sequences_is_hashed_sequence_by_sequence(device):
    # x is (..., num_tokens, d): the projections of each vector, not of each token position
    x = torch.randn(3, 10, 16, generator=torch.Generator().manual_seed(4)).to(device)
    batched = lsh_buckets(x, num_buckets=8, seed=2)
    assert batched.shape == (3, 10)
    for sequence, buckets in zip(x, batched, strict=True):
        assert torch.equal(buckets, lsh_buckets(sequence, num_buckets=8, seed=2))


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


@pytest.mark.parametrize(("num_buckets", "seed"), [(4, 0), (8, 3), (2, 7)])
def test_buckets_equal_the_reformers_hashing(device, num_buckets, seed):
    x = torch.randn(40, 8, generator=torch.Generator().manual_seed(5)).to(device)
    theirs = reformer_buckets(x, num_buckets, seed)
    assert torch.equal(lsh_buckets(x, num_buckets, seed).cpu(), theirs)
    assert len(theirs.unique()) == num_buckets


def test_lsh_attention_equals_full_attention_masked_to_the_reformers_buckets(device):
    generator = torch.Generator().manual_seed(3)
    qk, v = torch.randn(2, 24, 8, generator=generator).to(device)
    context, buckets = lsh_attention(qk, v, num_buckets=4, seed=1)
    theirs = reformer_buckets(qk, num_buckets=4, seed=1).to(device)  # not lsh_attention's own
    assert torch.equal(buckets, theirs) and len(theirs.unique()) > 1
    same_bucket = theirs[:, None] == theirs[None, :]
    expected = F.scaled_dot_product_attention(qk, qk, v, attn_mask=same_bucket)
    torch.testing.assert_close(context, expected)


def test_lsh_attention_approximates_full_attention_on_clustered_keys_only(device):
    # the lesson's two cases: 16 clustered vectors, then 16 random ones, 4 buckets
    clustered = clustered_vectors(4, 4, 8, radius=6, noise=0.3).to(device)
    generator = torch.Generator().manual_seed(0)
    scattered = torch.randn(16, 8, generator=generator).to(device)
    values = torch.randn(16, 8, generator=generator).to(device)
    by_cluster = lsh_buckets(clustered, num_buckets=4).view(4, 4)  # (repeat, cluster)
    assert (by_cluster == by_cluster[0]).all()  # each cluster lands in one bucket
    assert len(by_cluster[0].unique()) == 3  # two of the four clusters share one
    good = lsh_quality(clustered, values, num_buckets=4)
    bad = lsh_quality(scattered, values, num_buckets=4)
    assert good["in_bucket_share"] > 0.95 and good["relative_error"] < 0.1
    assert bad["in_bucket_share"] < 0.65 and bad["relative_error"] > 0.5
    assert 0 < bad["in_bucket_share"] - bad["self_share"] < 0.15  # little beyond itself


def test_a_bad_number_of_buckets_is_refused():
    for n in (0, 1, 3):
        with pytest.raises(ValueError, match=f"even number of at least 2, got {n}"):
            lsh_buckets(torch.zeros(4, 8), n)


def test_clustered_vectors_lie_at_radius_around_centres_taken_in_turn():
    exact = clustered_vectors(3, 2, 5, radius=2.0, noise=0.0, seed=1)
    assert exact.shape == (6, 5)
    torch.testing.assert_close(exact.norm(dim=-1), torch.full((6,), 2.0))
    torch.testing.assert_close(exact[:3], exact[3:])  # clusters 0, 1, 2, then 0, 1, 2 again
    assert not torch.allclose(exact[0], exact[1])
    # the same seed draws the same centres first, then the noise
    generator = torch.Generator().manual_seed(1)
    torch.randn(3, 5, generator=generator)
    noise = torch.randn(6, 5, generator=generator)
    noisy = clustered_vectors(3, 2, 5, radius=2.0, noise=0.1, seed=1)
    torch.testing.assert_close(noisy - exact, 0.1 * noise)
    assert torch.equal(clustered_vectors(3, 2, 5, 2.0, 0.1), clustered_vectors(3, 2, 5, 2.0, 0.1,
                                                                             seed=0))


def test_lsh_quality_measures_full_attention_against_lsh_attention(device):
    generator = torch.Generator().manual_seed(6)
    qk, v = torch.randn(2, 12, 4, generator=generator).to(device)
    context, buckets = lsh_attention(qk, v, num_buckets=4, seed=1)
    # full attention's weights: its output when the values are the identity matrix
    weights = F.scaled_dot_product_attention(qk, qk, torch.eye(12, device=device))
    full = F.scaled_dot_product_attention(qk, qk, v)
    same_bucket = buckets[:, None] == buckets[None, :]
    assert 0 < same_bucket.float().mean() < 1
    quality = lsh_quality(qk, v, num_buckets=4, seed=1)
    assert quality == pytest.approx({
        "in_bucket_share": (weights * same_bucket).sum(-1).mean().item(),
        "self_share": weights.diagonal().mean().item(),
        "relative_error": ((context - full).norm() / full.norm()).item()}, rel=1e-5)


def test_the_seed_defaults_to_0_and_the_rotation_follows_the_dtype_of_x():
    generator = torch.Generator().manual_seed(8)
    qk, v = torch.randn(2, 12, 4, generator=generator)
    assert torch.equal(lsh_buckets(qk, 4), lsh_buckets(qk, 4, seed=0))
    assert torch.equal(lsh_buckets(qk.double(), 4), lsh_buckets(qk, 4))
    default, seed_0 = lsh_attention(qk, v, 4), lsh_attention(qk, v, 4, seed=0)
    assert torch.equal(default[0], seed_0[0]) and torch.equal(default[1], seed_0[1])
    assert lsh_quality(qk, v, 4) == lsh_quality(qk, v, 4, seed=0)
