import pytest
from transformers import AutoTokenizer

from snippets.models import minilm_checkpoint, smollm2_checkpoint
from snippets.solving_tasks.bpe import (
    CORPUS,
    byte_level_words,
    learn_merges,
    merge_pair,
    merges_of,
    pair_counts,
    tokenize_with,
    train_byte_level_bpe,
)


def test_pair_counts_and_one_merge_by_hand():
    words = {("l", "o", "w"): 5, ("l", "o", "w", "e", "r"): 2, ("n", "e", "w"): 3}
    counts = pair_counts(words)
    assert counts["l", "o"] == 7 and counts["e", "w"] == 3 and counts["w", "e"] == 2
    assert merge_pair(words, ("l", "o")) == {("lo", "w"): 5, ("lo", "w", "e", "r"): 2,
                                             ("n", "e", "w"): 3}
    assert merge_pair({("a", "a", "a"): 1}, ("a", "a")) == {("aa", "a"): 1}  # left to right
    # two spellings of one word become one: their counts add up
    assert merge_pair({("a", "b"): 2, ("ab",): 3}, ("a", "b")) == {("ab",): 5}


def test_byte_level_words_mark_spaces():
    assert byte_level_words(["he went to hospital", "to go"]) == {
        "he": 1, "Ġwent": 1, "Ġto": 1, "Ġhospital": 1, "to": 1, "Ġgo": 1}


@pytest.mark.parametrize("num_merges", [1, 20, 100, 1000])
def test_merges_from_scratch_equal_the_tokenizers_library(num_merges):
    assert learn_merges(CORPUS, num_merges) == merges_of(train_byte_level_bpe(CORPUS, num_merges))


def test_merges_equal_the_library_on_a_corpus_with_ties_and_unicode():
    corpus = ["low lower lowest", "new newer newest", "wide wider widest", "café naïve 🤗 🤗"]
    assert learn_merges(corpus, 60) == merges_of(train_byte_level_bpe(corpus, 60))


def test_the_first_merges_on_the_notes_corpus():
    assert learn_merges(CORPUS, 4) == [("d", "e"), ("Ġ", "t"), ("o", "de"), ("e", "n")]
    # counted once, before any merge, the top pairs differ: counts are redone after each merge
    words = {tuple(word): count for word, count in byte_level_words(CORPUS).items()}
    assert [pair for pair, _ in pair_counts(words).most_common(5)] == [
        ("d", "e"), ("Ġ", "t"), ("o", "d"), ("e", "r"), ("e", "n")]


def test_the_trained_tokenizer_encodes_and_decodes_back():
    tokenizer = train_byte_level_bpe(CORPUS, 100)
    encoding = tokenizer.encode("he went to hospital")
    assert encoding.tokens == ["he", "Ġwent", "Ġto", "Ġhospital"]
    assert "Ġmodel" in tokenizer.encode("a transformer model").tokens
    unseen = "Zebras 🦓 are unseen"
    assert tokenizer.decode(tokenizer.encode(unseen).ids) == unseen  # bytes: nothing unknown


def test_bad_number_of_merges():
    with pytest.raises(ValueError, match="num_merges must be at least 1, got 0"):
        learn_merges(CORPUS, 0)
    with pytest.raises(ValueError, match="num_merges must be at least 1, got -1"):
        train_byte_level_bpe(CORPUS, -1)


def test_smollm2_bpe_and_minilm_wordpiece_on_the_same_sentence():
    try:
        tokenizers = {"SmolLM2 (BPE)": AutoTokenizer.from_pretrained(smollm2_checkpoint()),
                      "MiniLM (WordPiece)": AutoTokenizer.from_pretrained(minilm_checkpoint())}
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    rows = tokenize_with(tokenizers, "Tokenization is unbelievably useful")
    assert [row["tokenizer"] for row in rows] == list(tokenizers)
    smol, mini = rows
    assert mini["tokens"].split()[:3] == ["token", "##ization", "is"]  # lower-cased, ## pieces
    assert smol["tokens"].split()[0] == "Token" and "Ġis" in smol["tokens"].split()  # Ġ: space
    assert all(row["count"] == len(row["ids"].split()) == len(row["tokens"].split())
               for row in rows)
    for row, tokenizer in zip(rows, tokenizers.values(), strict=True):  # each id, its token
        ids = [int(i) for i in row["ids"].split()]
        assert tokenizer.convert_ids_to_tokens(ids) == row["tokens"].split()


def test_frequent_words_become_tokens_and_words_seen_once_or_never_stay_split():
    words = byte_level_words(CORPUS)
    assert words["Ġhospital"] == 3 and words["Ġmodel"] + words["Ġmodels"] >= 4
    assert words["Ġnext"] == words["Ġpredicts"] == 1 and "Ġzebras" not in words
    tokenizer = train_byte_level_bpe(CORPUS, 100)
    tokens = tokenizer.encode("a transformer model predicts the next word").tokens
    assert "Ġmodel" in tokens and "Ġpredicts" not in tokens and "Ġnext" not in tokens
    assert tokenizer.encode("unseen: zebras ☃").tokens[-4:] == ["Ġ", "â", "ĺ", "ĥ"]
    assert len("☃".encode()) == 3  # three bytes, each written as one printable character
