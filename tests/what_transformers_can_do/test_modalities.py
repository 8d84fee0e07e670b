import pytest
import torch
from transformers import ViTModel, Wav2Vec2Config, Wav2Vec2Model

from snippets.random_models import random_model
from snippets.solving_tasks.ctc import samples_after_each_convolution
from snippets.what_transformers_can_do.modalities import (
    image_to_patches,
    receptive_field,
    small_videomae,
    video_tokens,
)


def test_patches_times_the_projection_are_vits_patch_embeddings(device):
    model = random_model(ViTModel, device=device.type)
    torch.manual_seed(0)
    pixel_values = torch.randn(2, 3, 224, 224, device=device)
    patches = image_to_patches(pixel_values, patch_size=16)
    assert patches.shape == (2, 196, 3 * 16 * 16)
    projection = model.embeddings.patch_embeddings.projection  # a 16 x 16 convolution, stride 16
    ours = patches @ projection.weight.flatten(1).T + projection.bias  # (2, 196, hidden_size)
    with torch.no_grad(), torch.backends.cudnn.flags(allow_tf32=False):  # full float32 on GPUs
        theirs = model.embeddings.patch_embeddings(pixel_values)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)
    with torch.no_grad():
        assert model(pixel_values).last_hidden_state.shape == (2, 197, 64)  # [CLS] + 196
    # the first patch is the top-left square, read channel by channel
    torch.testing.assert_close(patches[0, 0], pixel_values[0, :, :16, :16].flatten())
    torch.testing.assert_close(patches[0, 1], pixel_values[0, :, :16, 16:32].flatten())
    with pytest.raises(ValueError, match="multiples of patch_size=16"):
        image_to_patches(torch.zeros(1, 3, 100, 100), 16)


def test_the_small_wav2vec2_makes_the_frames_its_convolutions_leave(device):
    model = random_model(Wav2Vec2Model, device=device.type)
    config = model.config
    with torch.no_grad():
        frames = model(torch.randn(1, 16000, device=device)).last_hidden_state
    num_frames = samples_after_each_convolution(16000, config.conv_kernel, config.conv_stride)[-1]
    assert frames.shape == (1, num_frames, 64) == (1, 198, 64)


def test_receptive_field_and_hop_give_the_number_of_frames():
    real = Wav2Vec2Config()
    assert receptive_field(real.conv_kernel, real.conv_stride) == (400, 320)  # 25 ms, 20 ms
    assert receptive_field([3], [1]) == (3, 1) and receptive_field([3, 3], [1, 1]) == (5, 1)
    for kernels, strides in [(real.conv_kernel, real.conv_stride), ((10, 8, 8), (5, 4, 4)),
                             ((7, 5, 3), (3, 2, 2))]:
        field, hop = receptive_field(kernels, strides)
        for num_samples in range(field, field + 3 * hop + 1):  # every remainder, and beyond
            num_frames = samples_after_each_convolution(num_samples, kernels, strides)[-1]
            assert num_frames == (num_samples - field) // hop + 1
        too_short = samples_after_each_convolution(field - 1, kernels, strides)[-1]
        assert too_short <= 0  # shorter than one receptive field: no frame
    with pytest.raises(ValueError, match="same length"):
        receptive_field([2, 2], [1])


def test_videomae_turns_tubelets_into_tokens(device):
    model = small_videomae(device=device.type)
    assert video_tokens(16, 224, 224, 16, 2) == 1568  # MCG-NJU/videomae-base
    video = torch.randn(1, 4, 3, 64, 64, device=device)  # (batch, frames, channels, h, w)
    with torch.no_grad():
        tokens = model(video).last_hidden_state
    assert tokens.shape == (1, video_tokens(4, 64, 64, 16, 2), 64) == (1, 32, 64)
    with pytest.raises(ValueError, match="frames must be a multiple of 2"):
        video_tokens(3, 64, 64, 16, 2)
