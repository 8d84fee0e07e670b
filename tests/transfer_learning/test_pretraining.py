import math
import time
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from transformers import DataCollatorForLanguageModeling  # noqa: E402

from snippets.transfer_learning.accelerate_loop import train_loop  # noqa: E402
from snippets.transfer_learning.pretraining import (  # noqa: E402
    continue_text,
    held_out_loss,
    make_blocks,
    plot_pretraining,
    split_blocks,
    timed,
    tiny_decoder,
    tiny_encoder,
    train_tokenizer,
    unigram_entropy,
)

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus.txt"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def tokenizer(texts):
    return train_tokenizer(texts, vocab_size=1000)


def test_the_corpus_is_the_notes_and_lessons_as_text(texts):
    assert 30_000 < sum(map(len, texts)) < 50_000
    joined = "\n".join(texts)
    assert "Pre-training: Act of training a model from scratch." in joined
    assert "--8<--" not in joined and "```" not in joined


def test_tokenizer_has_the_vocabulary_asked_for_and_round_trips(tokenizer, texts):
    assert len(tokenizer) == 1000
    for text in texts[:50] + ["Words it never saw: Zyzzyva, naïve, 東京."]:
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text  # byte-level: lossless
    assert len(tokenizer.tokenize("language models")) < len("language models") // 3  # merges
    masked = tokenizer.convert_ids_to_tokens(tokenizer("The capital is <mask>.")["input_ids"])
    assert masked[-3:] == ["Ġis", "<mask>", "."]  # the mask takes the space before it


def test_tokenizer_rejects_no_text_and_a_tiny_vocabulary(texts):
    with pytest.raises(ValueError, match="texts holds no text"):
        train_tokenizer(["", "  "])
    with pytest.raises(ValueError, match="vocab_size must be >= 260"):
        train_tokenizer(texts, vocab_size=100)


def test_blocks_cut_the_token_stream_into_equal_pieces(tokenizer):
    texts = ["one two three", "four five"]
    stream = [i for text in texts for i in tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]]
    blocks = make_blocks(tokenizer, texts, block_size=3)
    assert len(blocks) == len(stream) // 3
    assert [i for block in blocks for i in block["input_ids"]] == stream[:len(blocks) * 3]
    with pytest.raises(ValueError, match="fewer than one block of 64"):
        make_blocks(tokenizer, texts, block_size=64)


def test_unigram_entropy_by_hand():
    blocks = [{"input_ids": [1, 1, 2, 3]}]  # frequencies 1/2, 1/4, 1/4
    assert unigram_entropy(blocks) == pytest.approx(1.5 * math.log(2))


@pytest.mark.parametrize("make, mlm", [(tiny_decoder, False), (tiny_encoder, True)],
                         ids=["decoder-causal", "encoder-masked"])
def test_random_weights_start_at_a_uniform_guess_and_the_loss_falls(tokenizer, texts, device,
                                                                    make, mlm):
    """The lesson says both start at ln(vocab_size); a few steps already lower the loss."""
    model = make(tokenizer, seed=0, device=str(device.type))
    blocks = make_blocks(tokenizer, texts[:120], block_size=32)
    collate = DataCollatorForLanguageModeling(tokenizer, mlm=mlm, mlm_probability=0.15)
    losses = train_loop(model, DataLoader(blocks, batch_size=8, shuffle=True, collate_fn=collate),
                        steps=15, learning_rate=3e-3)
    assert losses[0] == pytest.approx(math.log(len(tokenizer)), abs=0.15)
    assert sum(losses[-3:]) / 3 < losses[0] - 0.5
    assert next(model.parameters()).device.type == device.type


def test_a_trained_decoder_continues_a_memorised_line(tokenizer, texts, device):
    """On one repeated sentence, the tiny decoder learns to continue it word for word; its loss
    is low on that sentence and higher than before on text it never saw."""
    line = "Pre-training is done through self-supervised learning."
    blocks = make_blocks(tokenizer, [line] * 40, block_size=16)
    model = tiny_decoder(tokenizer, seed=0, device=str(device.type))
    collate = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    unseen = make_blocks(tokenizer, texts[200:260], block_size=16)[:16]
    before = held_out_loss(model, unseen, collate)
    assert before == pytest.approx(math.log(len(tokenizer)), abs=0.15)  # a uniform guess
    train_loop(model.train(), DataLoader(blocks, batch_size=8, shuffle=True,
                                         collate_fn=collate), steps=40, learning_rate=3e-3)
    assert continue_text(model.eval(), tokenizer, "Pre-training is", max_new_tokens=20) \
        .startswith(line)
    assert held_out_loss(model, blocks[:4], collate) < 0.5
    assert held_out_loss(model, unseen, collate) > before  # memorising one line: worse elsewhere


def test_held_out_loss_is_seeded_and_scores_without_dropout(tokenizer, texts, device):
    model = tiny_encoder(tokenizer, seed=1, device=str(device.type))
    blocks = make_blocks(tokenizer, texts[:40], block_size=32)[:8]
    collate = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=0.15)
    loss = held_out_loss(model, blocks, collate, seed=3)
    assert loss == held_out_loss(model, blocks, collate, seed=3)
    assert loss != held_out_loss(model, blocks, collate, seed=4)  # other tokens hidden
    assert not model.training  # scored without dropout


def test_split_blocks_holds_out_every_tenth_block():
    blocks = [{"input_ids": [i]} for i in range(25)]
    train, held_out = split_blocks(blocks, every=10)
    assert [b["input_ids"][0] for b in held_out] == [9, 19]
    assert len(train) == 23 and not {b["input_ids"][0] for b in train} & {9, 19}
    with pytest.raises(ValueError, match="every must be between 2 and the 25 blocks, got 1"):
        split_blocks(blocks, every=1)


def test_timed_returns_the_result_and_the_seconds_it_took():
    result, seconds = timed(lambda x: time.sleep(0.05) or x * 2, 21)
    assert result == 42 and 0.05 <= seconds < 1


def test_plot_draws_each_curve_its_held_out_point_and_both_guesses():
    _, ax = plt.subplots()
    ax = plot_pretraining({"a": [3.0, 2.0], "b": [3.0, 2.5]}, vocab_size=1000, unigram=5.0,
                          held_out={"a": 2.8}, ax=ax)
    assert [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()] == [
        ([1, 2], [3.0, 2.0]), ([2], [2.8]), ([1, 2], [3.0, 2.5]),
        ([0, 1], [math.log(1000)] * 2), ([0, 1], [5.0, 5.0])]
    assert ax.get_legend_handles_labels()[1][:2] == ["a: training batches",
                                                     "a: held-out blocks, at the end"]


def test_masking_hides_about_fifteen_percent(tokenizer, texts):
    blocks = make_blocks(tokenizer, texts, block_size=64)
    batch = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=0.15)(blocks)
    share = (batch["labels"] != -100).float().mean().item()
    assert 0.13 < share < 0.17
    masked = Counter(batch["input_ids"][batch["labels"] != -100].tolist())
    assert masked[tokenizer.mask_token_id] / sum(masked.values()) == pytest.approx(0.8, abs=0.03)
