"""LSH attention (Reformer): hash similar vectors into the same bucket, attend within it."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:lsh_buckets]
# Needs: checks.py:require
import torch


def lsh_buckets(x: torch.Tensor, num_buckets: int, seed: int = 0) -> torch.Tensor:
    """Angular LSH: the bucket of each vector of x (..., num_tokens, d), from a random rotation.

    Project onto num_buckets / 2 random directions; the bucket is the largest of the
    projections and their negatives. Vectors pointing the same way likely share a bucket."""
    require(num_buckets >= 2 and num_buckets % 2 == 0,
            f"num_buckets must be an even number of at least 2, got {num_buckets}")
    generator = torch.Generator().manual_seed(seed)
    R = torch.randn(x.shape[-1], num_buckets // 2, generator=generator).to(x.device, x.dtype)
    rotated = x @ R  # (..., num_tokens, num_buckets / 2)
    return torch.cat([rotated, -rotated], dim=-1).argmax(dim=-1)  # (..., num_tokens)
# --8<-- [end:lsh_buckets]


# --8<-- [start:lsh_attention]
# Needs: architectures/lsh_attention.py:lsh_buckets
import torch


def lsh_attention(shared_qk: torch.Tensor, values: torch.Tensor, num_buckets: int,
                  seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention within hash buckets only, one bucket at a time: the context and the buckets.

    As in the Reformer, queries and keys are the same vectors (shared_qk: (num_tokens, d)),
    so every token falls in its own bucket and has at least itself to attend to."""
    buckets = lsh_buckets(shared_qk, num_buckets, seed)  # (num_tokens,)
    d_k = shared_qk.shape[-1]
    context = torch.empty_like(values)
    for bucket in buckets.unique():
        members = (buckets == bucket).nonzero().squeeze(-1)  # the positions in this bucket
        qk = shared_qk[members]  # (bucket_size, d): a small attention problem of its own
        weights = torch.softmax(qk @ qk.T / d_k**0.5, dim=-1)
        context[members] = weights @ values[members]
    return context, buckets
# --8<-- [end:lsh_attention]


# --8<-- [start:lsh_quality]
# Needs: architectures/lsh_attention.py:lsh_attention
import torch


def clustered_vectors(num_clusters: int, per_cluster: int, d: int, radius: float,
                      noise: float, seed: int = 0) -> torch.Tensor:
    """Vectors around random centres at distance `radius` from 0, one cluster after another
    in turn: (num_clusters * per_cluster, d)."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_clusters, d, generator=generator)
    centres = radius * centres / centres.norm(dim=-1, keepdim=True)
    cluster = torch.arange(num_clusters * per_cluster) % num_clusters  # 0, 1, 2, 3, 0, 1, ...
    return centres[cluster] + noise * torch.randn(len(cluster), d, generator=generator)


def lsh_quality(shared_qk: torch.Tensor, values: torch.Tensor, num_buckets: int,
                seed: int = 0) -> dict[str, float]:
    """How close LSH attention comes to full attention: the share of each query's full
    attention weight that falls in its own bucket and, of it, on the query itself (means over
    the queries), and the output's relative error."""
    context, buckets = lsh_attention(shared_qk, values, num_buckets, seed)
    d_k = shared_qk.shape[-1]
    weights = torch.softmax(shared_qk @ shared_qk.T / d_k**0.5, dim=-1)  # full attention
    full = weights @ values
    same_bucket = buckets[:, None] == buckets[None, :]
    return dict(in_bucket_share=(weights * same_bucket).sum(-1).mean().item(),
                self_share=weights.diagonal().mean().item(),  # always in its own bucket
                relative_error=((context - full).norm() / full.norm()).item())
# --8<-- [end:lsh_quality]
