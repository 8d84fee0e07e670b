"""LSH attention (Reformer): hash similar vectors into the same bucket, attend within it."""

# --8<-- [start:lsh_buckets]
import torch


def lsh_buckets(x: torch.Tensor, num_buckets: int, seed: int = 0) -> torch.Tensor:
    """Angular LSH: the bucket of each vector of x (..., num_tokens, d), from a random rotation.

    Project onto num_buckets / 2 random directions; the bucket is the largest of the
    projections and their negatives. Vectors pointing the same way likely share a bucket."""
    if num_buckets < 2 or num_buckets % 2:
        raise ValueError(f"num_buckets must be an even number of at least 2, got {num_buckets}")
    generator = torch.Generator().manual_seed(seed)
    R = torch.randn(x.shape[-1], num_buckets // 2, generator=generator).to(x.device, x.dtype)
    rotated = x @ R  # (..., num_tokens, num_buckets / 2)
    return torch.cat([rotated, -rotated], dim=-1).argmax(dim=-1)  # (..., num_tokens)
# --8<-- [end:lsh_buckets]


# --8<-- [start:lsh_attention]
# Needs: lsh_attention.py:lsh_buckets
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
