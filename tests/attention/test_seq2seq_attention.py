import pytest
import torch

from snippets.attention.seq2seq_attention import (
    AdditiveAttention,
    Seq2SeqWithAttention,
    toy_corpus,
    train_translator,
    translate,
    vocabularies,
)


@pytest.fixture(scope="module")
def trained(device):
    """The lesson's translator: 100 Adam steps on the 70 toy sentences."""
    corpus = toy_corpus()
    translator, src_vocab, tgt_vocab, loss = train_translator(corpus, steps=100, device=device)
    return corpus, translator, src_vocab, tgt_vocab, loss


def test_toy_corpus_is_correct_french():
    corpus = toy_corpus()
    assert len(corpus) == 70 and len({tuple(e) for e, _ in corpus}) == 70
    pairs = {" ".join(e): " ".join(f) for e, f in corpus}
    assert pairs["I love you"] == "je t' aime"
    assert pairs["you hate me"] == "tu me détestes"
    assert pairs["she calls him"] == "elle l' appelle"
    assert pairs["he watches her"] == "il la regarde"
    assert pairs["you find him"] == "tu le trouves"
    assert "I love me" not in pairs and "you love you" not in pairs
    src_vocab, tgt_vocab = vocabularies(corpus)
    assert list(tgt_vocab)[:2] == ["<s>", "</s>"] and len(tgt_vocab) == 2 + 4 + 7 + 10
    assert len(src_vocab) == 4 + 10 + 3  # you is both a subject and an object
    with pytest.raises(ValueError, match="at least one"):
        vocabularies([])


def test_additive_attention_loop_equals_batched(device):
    torch.manual_seed(0)
    attention = AdditiveAttention(d_dec=6, d_enc=4, d_attn=5).to(device)
    s, H = torch.randn(3, 6, device=device), torch.randn(3, 7, 4, device=device)
    with torch.no_grad():
        context, weights = attention(s, H)
        for b in range(3):
            torch.testing.assert_close(weights[b], torch.softmax(attention.scores_loop(s[b], H[b]),
                                                                 dim=0))
    assert context.shape == (3, 4) and weights.shape == (3, 7)
    torch.testing.assert_close(context, torch.einsum("bj,bjd->bd", weights, H))


def test_additive_attention_rejects_shapes_that_do_not_fit(device):
    attention = AdditiveAttention(d_dec=6, d_enc=4, d_attn=5).to(device)
    with pytest.raises(ValueError, match=r"s has shape \(2, 6\) and H \(3, 7, 4\)"):
        attention(torch.randn(2, 6, device=device), torch.randn(3, 7, 4, device=device))
    with pytest.raises(ValueError, match=r"\(batch_size, num_src, 4\)"):
        attention(torch.randn(3, 6, device=device), torch.randn(3, 7, 5, device=device))


def test_decoder_reads_the_source_only_through_attention(device):
    torch.manual_seed(0)
    model = Seq2SeqWithAttention(src_vocab_size=10, tgt_vocab_size=8, d_hidden=8).to(device)
    sources = torch.tensor([[1, 2, 3], [4, 5, 6]], device=device)
    tgt_in = torch.tensor([[0, 4, 5], [0, 4, 5]], device=device)
    with torch.no_grad():
        logits, weights = model(sources, tgt_in)
        assert logits.shape == (2, 3, 8) and weights.shape == (2, 3, 3)
        assert not torch.allclose(logits[0], logits[1])  # different sources, different words
        # the same decoder, with attention replaced by a context that ignores the source
        model.attention.forward = lambda s, H: (torch.zeros_like(s), torch.ones_like(H[..., 0]))
        blind, _ = model(sources, tgt_in)
    torch.testing.assert_close(blind[0], blind[1])  # no other path from the source
    with pytest.raises(ValueError, match="even and at least 2, got 7"):
        Seq2SeqWithAttention(10, 8, d_hidden=7)


def test_the_trained_translator_gets_every_sentence_right(trained):
    corpus, translator, src_vocab, tgt_vocab, loss = trained
    assert loss < 0.01
    wrong = [e for e, f in corpus if translate(translator, e, src_vocab, tgt_vocab)[0] != f]
    assert wrong == []


def test_translating_i_love_you_and_where_each_step_reads(trained):
    _, translator, src_vocab, tgt_vocab, _ = trained
    french, weights = translate(translator, ["I", "love", "you"], src_vocab, tgt_vocab)
    assert french == ["je", "t'", "aime"]
    assert weights.shape == (4, 3)  # je, t', aime, </s> against I, love, you
    torch.testing.assert_close(weights.sum(-1), torch.ones(4, device=weights.device))
    # as the page says: "je" reads "I"; "t'" and "aime" read mostly "love"
    assert weights[:3].argmax(dim=-1).tolist() == [0, 1, 1]
    assert (weights[[0, 1, 2], [0, 1, 1]] > 0.5).all()


def test_translate_matches_the_teacher_forced_forward_pass(trained):
    _, translator, src_vocab, tgt_vocab, _ = trained
    french, weights = translate(translator, ["she", "watches", "me"], src_vocab, tgt_vocab)
    device = weights.device
    src = torch.tensor([[src_vocab[w] for w in ["she", "watches", "me"]]], device=device)
    tgt_in = torch.tensor([[tgt_vocab[w] for w in ["<s>", *french]]], device=device)
    with torch.no_grad():
        logits, forced_weights = translator(src, tgt_in)
    torch.testing.assert_close(forced_weights[0], weights)
    assert [list(tgt_vocab)[i] for i in logits[0].argmax(-1).tolist()] == french + ["</s>"]


def test_training_is_seeded_without_touching_the_global_generator():
    corpus = toy_corpus()[:4]
    state = torch.random.get_rng_state()
    a, *_ = train_translator(corpus, steps=1)
    assert torch.equal(torch.random.get_rng_state(), state)  # no hidden side effect
    b, *_ = train_translator(corpus, steps=1)
    c, *_ = train_translator(corpus, steps=1, seed=1)
    assert torch.equal(a.out.weight, b.out.weight)  # same seed, same model
    assert not torch.equal(a.out.weight, c.out.weight)
    assert a.encoder.bidirectional  # the encoder reads both ways, as its docstring says


def test_translate_and_train_reject_what_they_cannot_handle(trained):
    corpus, translator, src_vocab, tgt_vocab, _ = trained
    with pytest.raises(ValueError, match=r"got \['I', 'love', 'cats'\]"):
        translate(translator, ["I", "love", "cats"], src_vocab, tgt_vocab)
    with pytest.raises(ValueError, match="steps must be at least 1, got 0"):
        train_translator(corpus, steps=0)
    with pytest.raises(ValueError, match="same lengths"):
        train_translator(corpus + [(["I", "sleep"], ["je", "dors"])])
