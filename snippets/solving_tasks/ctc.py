"""Reading characters out of Wav2Vec2's frames: greedy CTC decoding."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:frames]
def samples_after_each_convolution(num_samples: int, kernels: tuple[int, ...],
                                   strides: tuple[int, ...]) -> list[int]:
    """How many outputs each 1-D convolution (no padding) of the feature encoder leaves."""
    if len(kernels) != len(strides):
        raise ValueError(f"kernels {kernels} and strides {strides} must have the same length")
    lengths = []
    for kernel, stride in zip(kernels, strides, strict=True):
        num_samples = (num_samples - kernel) // stride + 1  # the window must fit: edges lost
        lengths.append(num_samples)
    return lengths
# --8<-- [end:frames]


# --8<-- [start:ctc_loop]
# Needs: checks.py:require
import torch

# A character vocabulary of the size of wav2vec2-base-960h's (32): the CTC blank (<pad>),
# three special tokens, "|" between words, 26 letters and the apostrophe. Ours lists the
# letters in alphabetical order; the checkpoint's own vocabulary (its tokenizer's vocab.json)
# has the same entries but orders the letters by frequency (E, T, ...).
CHARACTERS = ["<pad>", "<s>", "</s>", "<unk>", "|", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "'"]


def ctc_greedy_decode_loop(frame_logits: torch.Tensor, blank_id: int) -> list[int]:
    """Best token per frame, repeats merged, blanks dropped: one frame at a time."""
    require(frame_logits.dim() == 2, f"frame_logits has shape {tuple(frame_logits.shape)}: "
                                     "it must be (num_frames, vocab_size)")
    decoded, previous = [], None
    for frame in frame_logits:  # one frame = about 20 ms of audio in the real model
        best = frame.argmax().item()
        if best != previous and best != blank_id:  # a new character, not a blank
            decoded.append(best)
        previous = best
    return decoded
# --8<-- [end:ctc_loop]


# --8<-- [start:ctc]
# Needs: checks.py:require
import torch


def ctc_greedy_decode(frame_logits: torch.Tensor, blank_id: int) -> list[int]:
    """Best token per frame, repeats merged, blanks dropped, without a Python loop."""
    require(frame_logits.dim() == 2, f"frame_logits has shape {tuple(frame_logits.shape)}: "
                                     "it must be (num_frames, vocab_size)")
    collapsed = torch.unique_consecutive(frame_logits.argmax(dim=-1))  # merge repeats
    return collapsed[collapsed != blank_id].tolist()  # then drop the blanks
# --8<-- [end:ctc]


# Drawing only, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:plot_frames]
# Needs: checks.py:require
import matplotlib.pyplot as plt
import torch


def plot_audio_and_frames(input_values: torch.Tensor, frame_logits: torch.Tensor,
                          characters: list[str], sampling_rate: int = 16_000,
                          zoom: tuple[float, float] | None = None, axes=None):
    """The waveform on top (`zoom`: a stretch in seconds, magnified at the right); below, each
    frame's character probabilities, as CTC reads them. Returns [waveform, frames(, zoom)]."""
    require(frame_logits.shape[-1] == len(characters),
            f"frame_logits has {frame_logits.shape[-1]} scores per frame: "
            f"it must have one per character ({len(characters)})")
    if axes is None:
        layout = [["wave", "zoom"], ["frames", "frames"]] if zoom else [["wave"], ["frames"]]
        _, grid = plt.subplot_mosaic(layout, figsize=(11, 9), height_ratios=[1, 3],
                                     width_ratios=[3, 1] if zoom else None)
        axes = [grid["wave"], grid["frames"]] + ([grid["zoom"]] if zoom else [])
    samples = input_values.detach().float().cpu().flatten()
    seconds = torch.arange(len(samples)) / sampling_rate
    axes[0].plot(seconds.numpy(), samples.numpy(), linewidth=0.5)
    axes[0].set(xlabel="time (s)", ylabel="amplitude", xlim=(0, seconds[-1].item()),
                title=f"input: {len(samples)} samples of audio")
    if zoom:  # at this scale a tone is a solid block: magnify a few milliseconds
        axes[0].axvspan(*zoom, color="tab:orange", alpha=0.3)
        inside = (seconds >= zoom[0]) & (seconds <= zoom[1])
        axes[2].plot(seconds[inside].numpy() * 1000, samples[inside].numpy(), linewidth=1,
                     color="tab:orange")
        axes[2].set(xlabel="time (ms)", title=f"zoom: {zoom[0] * 1000:g} to {zoom[1] * 1000:g} ms")
    probs = frame_logits.detach().float().softmax(-1).cpu().T  # (num_characters, num_frames)
    image = axes[1].imshow(probs.numpy(), aspect="auto", cmap="Blues", interpolation="nearest")
    plt.colorbar(image, ax=axes[1], label="probability", pad=0.01)
    axes[1].set_yticks(range(len(characters)), characters, fontsize=8)
    axes[1].set(xlabel="frame", ylabel="character",
                title=f"output: {probs.shape[1]} frames x {probs.shape[0]} character probabilities")
    return axes
# --8<-- [end:plot_frames]
# pragma: no mutate end
