"""Transformers beyond text: what an image, a sound and a video become before the encoder."""

from snippets.models import get_device  # shown in lessons by its own section

# --8<-- [start:patches]
import torch


def image_to_patches(pixel_values: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(batch, channels, height, width) pixels to (batch, num_patches, channels * patch_size**2):
    the image cut into squares, read row by row, each flattened into one vector."""
    batch_size, channels, height, width = pixel_values.shape
    if height % patch_size or width % patch_size:
        raise ValueError(f"image of {height} x {width} pixels: both sides must be multiples of "
                         f"patch_size={patch_size}")
    patches = pixel_values.unfold(2, patch_size, patch_size).unfold(3, patch_size, patch_size)
    # (batch, channels, rows, columns, patch_size, patch_size) -> one row per patch
    patches = patches.permute(0, 2, 3, 1, 4, 5)
    return patches.reshape(batch_size, -1, channels * patch_size * patch_size)
# --8<-- [end:patches]


# --8<-- [start:frames]
def receptive_field(kernels: list[int], strides: list[int]) -> tuple[int, int]:
    """(samples one output frame sees, samples between two frames) of a stack of 1-d
    convolutions: frames = (num_samples - field) // hop + 1."""
    if len(kernels) != len(strides):
        raise ValueError(f"kernels and strides must have the same length, got {kernels}, {strides}")
    field, hop = 1, 1
    for kernel, stride in zip(kernels, strides, strict=True):
        field += (kernel - 1) * hop  # the kernel reaches kernel - 1 positions further below
        hop *= stride  # samples between two neighbouring positions of this layer
    return field, hop
# --8<-- [end:frames]


# --8<-- [start:tubelets]
# Needs: models.py:device
import torch
from transformers import VideoMAEConfig, VideoMAEModel


def video_tokens(num_frames: int, height: int, width: int, patch_size: int,
                 tubelet_size: int) -> int:
    """Tokens of a video cut into tubelets: `tubelet_size` frames x a square of pixels."""
    if num_frames % tubelet_size or height % patch_size or width % patch_size:
        raise ValueError(f"{num_frames} frames of {height} x {width}: frames must be a multiple "
                         f"of {tubelet_size}, sides multiples of {patch_size}")
    return (num_frames // tubelet_size) * (height // patch_size) * (width // patch_size)


def small_videomae(seed: int = 0, device: str | None = None) -> VideoMAEModel:
    """A small VideoMAE encoder with random weights: 4 frames of 64 x 64 pixels."""
    config = VideoMAEConfig(image_size=64, patch_size=16, num_frames=4, tubelet_size=2,
                            hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=128)
    torch.manual_seed(seed)
    return VideoMAEModel(config).to(get_device(device)).eval()
# --8<-- [end:tubelets]
