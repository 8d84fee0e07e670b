"""Byte pair encoding: learn merges from scratch, then with the tokenizers library."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:corpus]
# A small corpus: sentences adapted from the study notes.
CORPUS = [
    "he went to hospital",
    "he went to hospital yesterday",
    "he will go to hospital tomorrow",
    "Transformers are language models",
    "Pre-training is done through self-supervised learning",
    "Fine-tuning is done through supervised learning",
    "Causal language modeling: predicting the next word in a sentence",
    "Masked language modeling: the model predicts a masked word in the sentence",
    "The encoder receives an input and builds a representation of it",
    "The decoder uses the encoder's representation to generate a target sequence",
    "Encoder models use only the encoder of a transformer model",
    "Decoder models use only the decoder of a transformer model",
]
# --8<-- [end:corpus]


# --8<-- [start:byte_level_words]
from collections import Counter

from tokenizers import pre_tokenizers


def byte_level_words(corpus: list[str]) -> Counter:
    """Words as GPT-2's byte-level pre-tokenizer splits them ('Ġ' marks a leading space)."""
    pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    return Counter(word for text in corpus for word, _ in pre_tokenizer.pre_tokenize_str(text))
# --8<-- [end:byte_level_words]


# --8<-- [start:pair_counts]
from collections import Counter
from itertools import pairwise


def pair_counts(words: dict[tuple[str, ...], int]) -> Counter:
    """How often each pair of adjacent symbols occurs, over words given with their counts."""
    counts = Counter()
    for symbols, count in words.items():
        for left, right in pairwise(symbols):  # (s0, s1), (s1, s2), ...
            counts[left, right] += count
    return counts
# --8<-- [end:pair_counts]


# --8<-- [start:merge_pair]
def merge_pair(words: dict[tuple[str, ...], int], pair: tuple[str, str]):
    """Every word with each occurrence of `pair` replaced by one merged symbol."""
    merged_words = {}
    for symbols, count in words.items():
        out, i = [], 0
        while i < len(symbols):
            if symbols[i:i + 2] == pair:
                out.append(pair[0] + pair[1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        merged_words[tuple(out)] = merged_words.get(tuple(out), 0) + count
    return merged_words
# --8<-- [end:merge_pair]


# --8<-- [start:learn_merges]
# Needs: checks.py:require
# Needs: solving_tasks/bpe.py:byte_level_words, solving_tasks/bpe.py:pair_counts
# Needs: solving_tasks/bpe.py:merge_pair
from tokenizers import pre_tokenizers


def learn_merges(corpus: list[str], num_merges: int) -> list[tuple[str, str]]:
    """Byte-level BPE from scratch: merge the most frequent adjacent pair, `num_merges` times."""
    require(num_merges >= 1, f"num_merges must be at least 1, got {num_merges}")
    words = {tuple(word): count for word, count in byte_level_words(corpus).items()}
    # Symbol ids as the library numbers them: the 256 byte symbols in code-point order,
    # then each merged symbol in the order it was made. A tie in counts goes to the pair
    # of smaller ids.
    ids = {symbol: i for i, symbol in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    merges = []
    for _ in range(num_merges):
        counts = pair_counts(words)
        if not counts:
            break  # every word is a single symbol
        best = max(counts, key=lambda pair: (counts[pair], -ids[pair[0]], -ids[pair[1]]))
        merges.append(best)
        words = merge_pair(words, best)
        ids.setdefault(best[0] + best[1], len(ids))
    return merges
# --8<-- [end:learn_merges]


# --8<-- [start:train_bpe]
# Needs: checks.py:require
import json

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers


def train_byte_level_bpe(corpus: list[str], num_merges: int) -> Tokenizer:
    """A byte-level BPE tokenizer trained with the tokenizers library (GPT-2's algorithm)."""
    require(num_merges >= 1, f"num_merges must be at least 1, got {num_merges}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    alphabet = pre_tokenizers.ByteLevel.alphabet()  # all 256 bytes: nothing is ever unknown
    trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + num_merges,
                                  initial_alphabet=alphabet, show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer)
    return tokenizer


def merges_of(tokenizer: Tokenizer) -> list[tuple[str, str]]:
    """The merges a trained BPE tokenizer learned, in the order it learned them."""
    return [tuple(pair) for pair in json.loads(tokenizer.to_str())["model"]["merges"]]
# --8<-- [end:train_bpe]


# --8<-- [start:compare_tokenizers]
def tokenize_with(tokenizers: dict, sentence: str) -> list[dict]:
    """For each named (transformers) tokenizer: its tokens, ids and count for one sentence."""
    rows = []
    for name, tokenizer in tokenizers.items():
        ids = tokenizer(sentence, add_special_tokens=False)["input_ids"]
        rows.append(dict(tokenizer=name, count=len(ids),
                         tokens=" ".join(tokenizer.convert_ids_to_tokens(ids)),
                         ids=" ".join(map(str, ids))))
    return rows
# --8<-- [end:compare_tokenizers]
