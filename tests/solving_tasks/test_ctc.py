import json
import re

import pytest
import torch
from transformers import Wav2Vec2CTCTokenizer

from snippets.solving_tasks.ctc import (
    ctc_greedy_decode,
    ctc_greedy_decode_loop,
    samples_after_each_convolution,
)


def one_hot_frames(ids: list[int], vocab_size: int = 6) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.tensor(ids), vocab_size).float()


def test_repeats_merge_and_blanks_separate_double_letters(device):
    # blank = 0; frames "h h _ e l l _ l o" read "hello": the blank keeps the two l's apart
    frames = one_hot_frames([1, 1, 0, 2, 3, 3, 0, 3, 4]).to(device)
    assert ctc_greedy_decode_loop(frames, blank_id=0) == [1, 2, 3, 3, 4]
    assert ctc_greedy_decode(frames, blank_id=0) == [1, 2, 3, 3, 4]


def test_ctc_decoding_equals_wav2vec2s_tokenizer(tmp_path, device):
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "E": 5, "H": 6, "L": 7, "O": 8}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(str(tmp_path / "vocab.json"))  # its blank is <pad>
    torch.manual_seed(0)
    for _ in range(20):
        frames = torch.randn(30, len(vocab), device=device)
        frames[torch.rand(30, device=device) < 0.4, 0] += 5  # plenty of blanks, as in real output
        ours = ctc_greedy_decode(frames, blank_id=tokenizer.pad_token_id)
        assert ours == ctc_greedy_decode_loop(frames, blank_id=tokenizer.pad_token_id)
        theirs = tokenizer.decode(frames.argmax(-1).tolist())  # merges repeats, drops <pad>
        assert tokenizer.decode(ours, group_tokens=False) == theirs


def test_frames_must_be_a_matrix():
    message = "frame_logits has shape {}: it must be (num_frames, vocab_size)"
    with pytest.raises(ValueError, match=f"^{re.escape(message.format((1, 4, 6)))}$"):
        ctc_greedy_decode(torch.zeros(1, 4, 6), blank_id=0)
    with pytest.raises(ValueError, match=f"^{re.escape(message.format((6,)))}$"):
        ctc_greedy_decode_loop(torch.zeros(6), blank_id=0)


def test_the_character_vocabulary_fits_the_small_wav2vec2():
    from snippets.random_models import SMALL_CONFIGS
    from snippets.solving_tasks.ctc import CHARACTERS

    assert len(CHARACTERS) == len(set(CHARACTERS)) == SMALL_CONFIGS["wav2vec2"]["vocab_size"]
    assert CHARACTERS[0] == "<pad>"  # the blank, as in Wav2Vec2CTCTokenizer


def test_plot_audio_and_frames_draws_the_waveform_and_one_column_per_frame():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from snippets.solving_tasks.ctc import CHARACTERS, plot_audio_and_frames

    axes = plot_audio_and_frames(torch.zeros(1, 1600), torch.zeros(20, 32), CHARACTERS,
                                 zoom=(0.02, 0.03))
    assert len(axes[0].lines[0].get_xdata()) == 1600
    zoom = axes[2]  # 10 ms of 16 kHz audio: 161 samples, from 20 to 30 ms
    assert len(zoom.lines[0].get_xdata()) == 161
    assert zoom.lines[0].get_xdata()[[0, -1]].tolist() == [20.0, 30.0]
    assert axes[1].images[0].get_array().shape == (32, 20)
    assert axes[1].get_title() == "output: 20 frames x 32 character probabilities"
    plt.close("all")
    with pytest.raises(ValueError, match="has 5 scores per frame: .* one per character"):
        plot_audio_and_frames(torch.zeros(1, 10), torch.zeros(3, 5), CHARACTERS)


def test_samples_after_each_convolution_equal_wav2vec2s_own_count():
    from transformers import Wav2Vec2ForCTC

    from snippets.random_models import random_model

    model = random_model(Wav2Vec2ForCTC, device="cpu")
    kernels, strides = model.config.conv_kernel, model.config.conv_stride
    lengths = samples_after_each_convolution(16_000, kernels, strides)
    assert lengths == [3199, 798, 198]  # 16000 / 80 = 200, less what each edge loses
    theirs = model._get_feat_extract_output_lengths(torch.tensor(16_000)).item()
    assert lengths[-1] == theirs
    with pytest.raises(ValueError, match="must have the same length"):
        samples_after_each_convolution(100, (10, 8), (5,))
