"""Encoder-decoder with attention: at every step the decoder looks at all encoder states."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:toy_corpus]
# Needs: checks.py:require
SUBJECTS = {"I": "je", "you": "tu", "he": "il", "she": "elle"}
OBJECTS = {"me": "me", "you": "te", "him": "le", "her": "la"}  # in French, before the verb
VERBS = {"love": "aim", "call": "appell", "hate": "détest", "watch": "regard",
         "find": "trouv"}


def toy_corpus() -> list[tuple[list[str], list[str]]]:
    """70 English sentences (subject, verb, object), in French (subject, object, verb)."""
    pairs = []
    for subject, sujet in SUBJECTS.items():
        for obj, objet in OBJECTS.items():
            if (subject, obj) in {("I", "me"), ("you", "you")}:  # "myself": left out
                continue
            for verb, stem in VERBS.items():
                english_verb = verb
                if subject in ("he", "she"):  # loves, watches
                    english_verb = verb + ("es" if verb.endswith("ch") else "s")
                verbe = stem + ("es" if subject == "you" else "e")  # aime, aimes, aime
                # before a vowel, te aime -> t'aime and la appelle -> l'appelle
                pronoun = objet[0] + "'" if verbe[0] in "aeioué" else objet
                pairs.append(([subject, english_verb, obj], [sujet, pronoun, verbe]))
    return pairs


def vocabularies(
    pairs: list[tuple[list[str], list[str]]],
) -> tuple[dict[str, int], dict[str, int]]:
    """Word -> index for English, and for French after <s> (start) and </s> (stop)."""
    require(bool(pairs), "pairs must hold at least one (english, french) pair, got []")
    src_vocab = {word: i for i, word in enumerate(sorted({w for e, _ in pairs for w in e}))}
    tgt_words = ["<s>", "</s>"] + sorted({w for _, f in pairs for w in f})
    return src_vocab, {word: i for i, word in enumerate(tgt_words)}
# --8<-- [end:toy_corpus]


# --8<-- [start:additive_attention]
# Needs: checks.py:require
import torch
from torch import nn


class AdditiveAttention(nn.Module):
    """Bahdanau's score e_j = v . tanh(W_s s + W_h h_j) of a decoder state s and each h_j."""

    def __init__(self, d_dec: int, d_enc: int, d_attn: int):
        super().__init__()
        self.d_dec, self.d_enc = d_dec, d_enc
        self.W_s = nn.Linear(d_dec, d_attn, bias=False)
        self.W_h = nn.Linear(d_enc, d_attn, bias=False)
        self.v = nn.Linear(d_attn, 1, bias=False)

    def scores_loop(self, s: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
        """Scores of one decoder state s (d_dec,) against each row of H (num_src, d_enc)."""
        scores = torch.empty(H.shape[0], dtype=H.dtype, device=H.device)
        for j, h_j in enumerate(H):
            scores[j] = self.v(torch.tanh(self.W_s(s) + self.W_h(h_j)))[0]  # e_j
        return scores

    def forward(self, s: torch.Tensor, H: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Context vectors (b, d_enc) and weights (b, n) for s (b, d_dec) and H (b, n, d_enc)."""
        require(s.dim() == 2 and H.dim() == 3 and s.shape == (H.shape[0], self.d_dec)
                and H.shape[-1] == self.d_enc,
                f"s has shape {tuple(s.shape)} and H {tuple(H.shape)}: they must be "
                f"(batch_size, {self.d_dec}) and (batch_size, num_src, {self.d_enc})")
        scores = self.v(torch.tanh(self.W_s(s)[:, None, :] + self.W_h(H)))[..., 0]  # (b, n)
        weights = torch.softmax(scores, dim=-1)  # one per encoder state, summing to 1
        context = (weights[:, None, :] @ H)[:, 0]  # (b, d_enc): sum_j weight_j * h_j
        return context, weights
# --8<-- [end:additive_attention]


# --8<-- [start:seq2seq]
# Needs: attention/seq2seq_attention.py:additive_attention
import torch
from torch import nn


class Seq2SeqWithAttention(nn.Module):
    """A bidirectional GRU encoder, and a GRU decoder that attends over all its states."""

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, d_hidden: int = 32):
        super().__init__()
        require(d_hidden >= 2 and d_hidden % 2 == 0,
                f"d_hidden must be even and at least 2, got {d_hidden}")
        self.d_hidden = d_hidden
        self.embed_src = nn.Embedding(src_vocab_size, d_hidden)
        # one GRU reads left to right, one right to left: h_j is both halves side by side
        self.encoder = nn.GRU(d_hidden, d_hidden // 2, batch_first=True, bidirectional=True)
        self.embed_tgt = nn.Embedding(tgt_vocab_size, d_hidden)
        self.decoder_cell = nn.GRUCell(2 * d_hidden, d_hidden)  # reads [y_{t-1}; c_{t-1}]
        self.attention = AdditiveAttention(d_hidden, d_hidden, d_hidden)
        self.out = nn.Linear(2 * d_hidden, tgt_vocab_size)  # scores words from [s_t; c_t]

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        """Every encoder state h_1..h_n, not only the last: (b, num_src, d_hidden)."""
        H, _ = self.encoder(self.embed_src(src))
        return H

    def decode_step(
        self, y_prev: torch.Tensor, s_prev: torch.Tensor, c_prev: torch.Tensor,
        H: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        """One output word: update the state, attend over all of H, score the vocabulary."""
        s = self.decoder_cell(torch.cat([self.embed_tgt(y_prev), c_prev], dim=-1), s_prev)
        c, weights = self.attention(s, H)  # (b, d_hidden), (b, num_src)
        logits = self.out(torch.cat([s, c], dim=-1))  # (b, tgt_vocab_size)
        return logits, s, c, weights

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Logits (b, T, vocab) and weights (b, T, num_src), given the right previous words."""
        H = self.encode(src)
        # the decoder starts from zeros: all it learns of the source comes through attention
        s = c = torch.zeros(src.shape[0], self.d_hidden, device=H.device)
        all_logits, all_weights = [], []
        for t in range(tgt_in.shape[1]):
            logits, s, c, weights = self.decode_step(tgt_in[:, t], s, c, H)
            all_logits.append(logits)
            all_weights.append(weights)
        return torch.stack(all_logits, dim=1), torch.stack(all_weights, dim=1)
# --8<-- [end:seq2seq]


# --8<-- [start:translate]
# Needs: attention/seq2seq_attention.py:seq2seq
import torch


def translate(
    model: Seq2SeqWithAttention, words: list[str], src_vocab: dict[str, int],
    tgt_vocab: dict[str, int], max_len: int = 10,
) -> tuple[list[str], torch.Tensor]:
    """Greedy translation of `words`, and the weights of each output step (</s> included)."""
    unknown = [word for word in words if word not in src_vocab]
    require(bool(words) and not unknown,
            f"words must be a non-empty list from {sorted(src_vocab)}, got {words}")
    device = next(model.parameters()).device
    id_to_word = list(tgt_vocab)  # the words in index order
    src = torch.tensor([[src_vocab[word] for word in words]], device=device)
    with torch.no_grad():
        H = model.encode(src)  # (1, num_src, d_hidden)
        y = torch.tensor([tgt_vocab["<s>"]], device=device)
        s = c = torch.zeros(1, model.d_hidden, device=device)
        output, weights = [], []
        for _ in range(max_len):
            logits, s, c, step_weights = model.decode_step(y, s, c, H)
            weights.append(step_weights[0])
            y = logits.argmax(dim=-1)  # the most likely next word
            if y.item() == tgt_vocab["</s>"]:
                break
            output.append(id_to_word[y.item()])
    return output, torch.stack(weights)  # (num_steps, num_src)
# --8<-- [end:translate]


# --8<-- [start:train]
# Needs: attention/seq2seq_attention.py:toy_corpus, attention/seq2seq_attention.py:seq2seq
import torch
import torch.nn.functional as F


def train_translator(
    pairs: list[tuple[list[str], list[str]]], steps: int = 200, lr: float = 1e-2,
    d_hidden: int = 32, seed: int = 0, device: torch.device | str | None = None,
) -> tuple[Seq2SeqWithAttention, dict[str, int], dict[str, int], float]:
    """Train on all pairs at once with Adam: the model, both vocabularies, the last loss."""
    src_vocab, tgt_vocab = vocabularies(pairs)
    require(len({(len(e), len(f)) for e, f in pairs}) == 1,
            "pairs must all have the same lengths: this trainer does not pad")
    require(steps >= 1, f"steps must be at least 1, got {steps}")
    src = torch.tensor([[src_vocab[w] for w in e] for e, _ in pairs], device=device)
    tgt = torch.tensor([[tgt_vocab["<s>"]] + [tgt_vocab[w] for w in f] + [tgt_vocab["</s>"]]
                        for _, f in pairs], device=device)  # (num_pairs, len(f) + 2)
    with torch.random.fork_rng(devices=[]):  # seed a copy: the global generator is untouched
        torch.manual_seed(seed)
        model = Seq2SeqWithAttention(len(src_vocab), len(tgt_vocab), d_hidden).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        logits, _ = model(src, tgt[:, :-1])  # predict word t+1 from the right words up to t
        loss = F.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), src_vocab, tgt_vocab, loss.item()
# --8<-- [end:train]
