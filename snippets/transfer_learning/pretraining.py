"""Pre-training from scratch at toy scale: a tokenizer, a tiny decoder trained by causal
language modelling and a tiny encoder trained by masked language modelling."""

from snippets.models import get_device  # shown in lessons by its own section

# --8<-- [start:tokenizer]
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

# "<mask>" takes the space before it: "is <mask>" hides the whole word " learning"
SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", AddedToken("<mask>", lstrip=True, special=True)]


def train_tokenizer(texts: list[str], vocab_size: int = 1000) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer, the kind GPT-2 and SmolLM2 use, learned from `texts`."""
    if not any(text.strip() for text in texts):
        raise ValueError("texts holds no text: a tokenizer needs a corpus to learn from")
    if vocab_size < 256 + len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must be >= {256 + len(SPECIAL_TOKENS)} (the 256 bytes and "
                         f"the special tokens), got {vocab_size}")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)  # " word" -> "Ġword"
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    bpe.train_from_iterator(texts, trainer)  # merge the most frequent pairs, again and again
    return PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<pad>", bos_token="<s>",
                                   eos_token="</s>", mask_token="<mask>")
# --8<-- [end:tokenizer]


# --8<-- [start:blocks]
import math
from collections import Counter


def make_blocks(tokenizer, texts: list[str], block_size: int = 64) -> list[dict]:
    """The texts as one stream of token ids, </s> after each, cut into blocks of block_size."""
    stream = []
    for text in texts:
        stream += tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
    num_blocks = len(stream) // block_size
    if num_blocks == 0:
        raise ValueError(f"the texts hold {len(stream)} tokens, fewer than one block of "
                         f"{block_size}")
    return [{"input_ids": stream[i * block_size:(i + 1) * block_size]}
            for i in range(num_blocks)]


def unigram_entropy(blocks: list[dict]) -> float:
    """Loss of guessing every token by its frequency alone: -sum p log p over the tokens."""
    counts = Counter(token for block in blocks for token in block["input_ids"])
    total = sum(counts.values())
    return -sum(n / total * math.log(n / total) for n in counts.values())


def split_blocks(blocks: list[dict], every: int = 10) -> tuple[list[dict], list[dict]]:
    """(training blocks, held-out blocks): every `every`-th block is held out, never trained on."""
    if every < 2 or len(blocks) < every:
        raise ValueError(f"every must be between 2 and the {len(blocks)} blocks, got {every}")
    return ([block for i, block in enumerate(blocks) if i % every != every - 1],
            [block for i, block in enumerate(blocks) if i % every == every - 1])
# --8<-- [end:blocks]


# --8<-- [start:held_out]
import torch


@torch.no_grad()
def held_out_loss(model, blocks: list[dict], collate, seed: int = 0) -> float:
    """The model's mean loss on `blocks` it never trained on (masks drawn with `seed`)."""
    torch.manual_seed(seed)  # the masked-LM collator draws which tokens to hide
    batch = collate(blocks).to(model.device)
    return model.eval()(**batch).loss.item()
# --8<-- [end:held_out]


# --8<-- [start:timing]
import time


def timed(function, *args, **kwargs):
    """(what `function(*args, **kwargs)` returns, the seconds it took)."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start
# --8<-- [end:timing]


# --8<-- [start:tiny_models]
# Needs: models.py:device
import torch
from transformers import BertConfig, BertForMaskedLM, LlamaConfig, LlamaForCausalLM

TINY = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
            max_position_embeddings=128, initializer_range=0.02)


def tiny_decoder(tokenizer, seed: int = 0, device=None) -> LlamaForCausalLM:
    """A decoder of SmolLM2's architecture (Llama), shrunk, with random weights."""
    torch.manual_seed(seed)
    config = LlamaConfig(**TINY, vocab_size=len(tokenizer), num_key_value_heads=2,
                         tie_word_embeddings=True, pad_token_id=tokenizer.pad_token_id,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    return LlamaForCausalLM(config).to(get_device(device))


def tiny_encoder(tokenizer, seed: int = 0, device=None) -> BertForMaskedLM:
    """An encoder of BERT's (and MiniLM's) architecture, shrunk, with random weights."""
    torch.manual_seed(seed)
    config = BertConfig(**TINY, vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id)
    return BertForMaskedLM(config).to(get_device(device))
# --8<-- [end:tiny_models]


# --8<-- [start:generate]
import torch


@torch.no_grad()
def continue_text(model, tokenizer, prompt: str, max_new_tokens: int = 20) -> str:
    """The prompt and the model's greedy continuation of it, as text."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output_ids = model.generate(inputs["input_ids"], attention_mask=inputs["attention_mask"],
                                do_sample=False, max_new_tokens=max_new_tokens,
                                pad_token_id=tokenizer.pad_token_id)
    return tokenizer.decode(output_ids[0], skip_special_tokens=True)
# --8<-- [end:generate]


# --8<-- [start:plot]
import math

import matplotlib.pyplot as plt


def plot_pretraining(losses: dict[str, list[float]], vocab_size: int, unigram: float,
                     held_out: dict[str, float] | None = None, ax=None):
    """Training loss per step of each model, its loss on held-out blocks at the end, beside
    two guesses that ignore the context."""
    ax = ax or plt.gca()
    for name, values in losses.items():
        line, = ax.plot(range(1, len(values) + 1), values, label=f"{name}: training batches")
        if held_out and name in held_out:
            ax.plot([len(values)], [held_out[name]], "D", color=line.get_color(),
                    label=f"{name}: held-out blocks, at the end")
    ax.axhline(math.log(vocab_size), color="grey", linestyle="--",
               label=f"uniform guess: ln {vocab_size}")
    ax.axhline(unigram, color="grey", linestyle=":", label="guess by token frequency")
    ax.set(xlabel="step", ylabel="loss (cross-entropy)", ylim=(0, None),
           title="Pre-training two tiny models from random weights")
    ax.legend(fontsize="small")
    return ax
# --8<-- [end:plot]
