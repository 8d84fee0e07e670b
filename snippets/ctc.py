"""Reading characters out of Wav2Vec2's frames: greedy CTC decoding."""

# --8<-- [start:ctc_loop]
import torch

# A character vocabulary of the size of wav2vec2-base-960h's (32): the CTC blank (<pad>),
# three special tokens, "|" between words, 26 letters and the apostrophe.
CHARACTERS = ["<pad>", "<s>", "</s>", "<unk>", "|", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "'"]


def ctc_greedy_decode_loop(frame_logits: torch.Tensor, blank_id: int) -> list[int]:
    """Best token per frame, repeats merged, blanks dropped: one frame at a time."""
    if frame_logits.dim() != 2:
        raise ValueError(f"frame_logits has shape {tuple(frame_logits.shape)}: "
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
import torch


def ctc_greedy_decode(frame_logits: torch.Tensor, blank_id: int) -> list[int]:
    """Best token per frame, repeats merged, blanks dropped, without a Python loop."""
    if frame_logits.dim() != 2:
        raise ValueError(f"frame_logits has shape {tuple(frame_logits.shape)}: "
                         "it must be (num_frames, vocab_size)")
    collapsed = torch.unique_consecutive(frame_logits.argmax(dim=-1))  # merge repeats
    return collapsed[collapsed != blank_id].tolist()  # then drop the blanks
# --8<-- [end:ctc]
