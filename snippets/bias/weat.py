"""A word-embedding association test (WEAT, Caliskan et al. 2017) on sentence embeddings."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:embed]
# Needs: checks.py:require
import json
from pathlib import Path

import torch


def sentence_transformers_modules(checkpoint: str | Path) -> list[str]:
    """The steps a sentence-transformers checkpoint applies in turn (its modules.json)."""
    modules = json.loads((Path(checkpoint) / "modules.json").read_text())
    return [module["type"].rsplit(".", 1)[-1] for module in modules]  # "...models.Pooling"


def pooling_config(checkpoint: str | Path) -> dict:
    """The sentence-transformers pooling settings shipped with a checkpoint (1_Pooling/)."""
    return json.loads((Path(checkpoint) / "1_Pooling" / "config.json").read_text())


@torch.no_grad()
def embed(model, tokenizer, texts: list[str]) -> torch.Tensor:
    """Unit-length sentence embeddings: the mean of the token vectors, padding left out."""
    require(texts, "texts is empty: nothing to embed")
    batch = tokenizer(texts, padding=True, truncation=True, return_tensors="pt").to(model.device)
    token_vectors = model(**batch).last_hidden_state  # (num_texts, num_tokens, hidden_size)
    mask = batch["attention_mask"].unsqueeze(-1).to(token_vectors.dtype)  # 1 = real token
    mean = (token_vectors * mask).sum(1) / mask.sum(1)  # (num_texts, hidden_size)
    return torch.nn.functional.normalize(mean, dim=-1)  # then cosine = dot product
# --8<-- [end:embed]


# --8<-- [start:association_loop]
import torch


def association_loop(w: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> float:
    """s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b), for one unit vector w."""
    cos_A = [torch.dot(w, a).item() for a in A]  # unit vectors: the dot product is the cosine
    cos_B = [torch.dot(w, b).item() for b in B]
    return sum(cos_A) / len(cos_A) - sum(cos_B) / len(cos_B)
# --8<-- [end:association_loop]


# --8<-- [start:association]
# Needs: checks.py:require
import torch


def association(W: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """s(w, A, B) for every row w of W at once: (num_words,)."""
    return (W @ A.T).mean(dim=1) - (W @ B.T).mean(dim=1)  # (num_words, |A|) -> (num_words,)


def effect_size(X: torch.Tensor, Y: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> float:
    """d = (mean_x s(x, A, B) - mean_y s(y, A, B)) / std_{w in X and Y} s(w, A, B)."""
    require(min(len(X), len(Y), len(A), len(B)) >= 1, "X, Y, A and B must each hold at least "
            f"one word; got {len(X)}, {len(Y)}, {len(A)} and {len(B)}")
    s_X, s_Y = association(X, A, B), association(Y, A, B)
    return ((s_X.mean() - s_Y.mean()) / torch.cat([s_X, s_Y]).std()).item()  # std: n - 1
# --8<-- [end:association]


# --8<-- [start:p_value]
# Needs: checks.py:require, bias/weat.py:association
import itertools
import math
from typing import NamedTuple

import torch


class PermutationTest(NamedTuple):
    p_value: float
    as_large: int  # splits whose statistic is at least the observed one
    num_splits: int  # splits tried: every one, or a random sample
    exact: bool  # True when every split was tried


def permutation_test(X: torch.Tensor, Y: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                     max_exact: int = 100_000, num_samples: int = 10_000,
                     seed: int = 0) -> PermutationTest:
    """One-sided p: the share of equal-size splits of X and Y whose statistic is as large as
    the observed one. Every split when there are at most max_exact, else num_samples draws."""
    require(len(X) == len(Y) >= 2, "X and Y must hold the same number of words, at least 2; "
            f"got {len(X)} and {len(Y)}")
    s = association(torch.cat([X, Y]), A, B)  # (2n,)
    n, total = len(X), s.sum()
    observed = s[:n].sum() - s[n:].sum()  # sum over X minus sum over Y
    if math.comb(2 * n, n) <= max_exact:  # every way to call n of the words "X"
        splits = torch.tensor(list(itertools.combinations(range(2 * n), n)), device=s.device)
        statistics = 2 * s[splits].sum(dim=1) - total  # sum(X_i) - sum(Y_i), (num_splits,)
        as_large = int((statistics >= observed - 1e-6).sum())  # the observed split included
        return PermutationTest(as_large / len(splits), as_large, len(splits), exact=True)
    generator = torch.Generator().manual_seed(seed)  # too many: a random sample of splits
    splits = torch.stack([torch.randperm(2 * n, generator=generator)[:n]
                          for _ in range(num_samples)]).to(s.device)
    statistics = 2 * s[splits].sum(dim=1) - total
    as_large = int((statistics >= observed - 1e-6).sum())
    # the observed split counts as one more: p is at least 1 / (num_samples + 1)
    return PermutationTest((as_large + 1) / (num_samples + 1), as_large, num_samples,
                           exact=False)
# --8<-- [end:p_value]


# --8<-- [start:leave_one_out]
# Needs: bias/weat.py:association
import torch


def leave_one_out_effect_sizes(X: torch.Tensor, Y: torch.Tensor, A: torch.Tensor,
                               B: torch.Tensor) -> torch.Tensor:
    """d with each word of X, Y, A and B left out in turn: (|X| + |Y| + |A| + |B|,)."""
    sets = [X, Y, A, B]
    ds = []
    for k, words in enumerate(sets):
        for i in range(len(words)):
            fewer = sets.copy()
            fewer[k] = torch.cat([words[:i], words[i + 1:]])  # word i of set k left out
            ds.append(effect_size(*fewer))
    return torch.tensor(ds)
# --8<-- [end:leave_one_out]


# --8<-- [start:holm]
# Needs: checks.py:require
def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values: a test passes at level alpha when its value is <= alpha."""
    require(all(0 <= p <= 1 for p in p_values), f"p-values must lie in [0, 1], got {p_values}")
    m = len(p_values)
    adjusted = [0.0] * m
    running_max = 0.0
    order = sorted(range(m), key=lambda i: p_values[i])  # smallest p first
    for rank, i in enumerate(order):  # times m, then m - 1, ...; never decreasing, at most 1
        running_max = max(running_max, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running_max
    return adjusted
# --8<-- [end:holm]


# --8<-- [start:summary]
# Needs: bias/weat.py:association, bias/weat.py:p_value, bias/weat.py:leave_one_out
import torch


def weat(X: torch.Tensor, Y: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> dict:
    """One WEAT: d, d with one word left out, the mean associations, the p-value."""
    d_fewer = leave_one_out_effect_sizes(X, Y, A, B)
    test = permutation_test(X, Y, A, B)
    return {"d": effect_size(X, Y, A, B),
            "d, one word out: min": d_fewer.min().item(),
            "d, one word out: max": d_fewer.max().item(),
            "mean s(X)": association(X, A, B).mean().item(),
            "mean s(Y)": association(Y, A, B).mean().item(),
            "splits as large": f"{test.as_large:,} of {test.num_splits:,}"
                               + ("" if test.exact else " sampled"),
            "p": test.p_value}
# --8<-- [end:summary]


# --8<-- [start:word_sets]
# Word sets of Caliskan, Bryson and Narayanan, "Semantics derived automatically from language
# corpora contain human-like biases", Science 356 (2017): their tests 1, 6, 7 and 8.
FLOWERS = ("aster clover hyacinth marigold poppy azalea crocus iris orchid rose bluebell "
           "daffodil lilac pansy tulip buttercup daisy lily peony violet carnation gladiola "
           "magnolia petunia zinnia").split()
INSECTS = ("ant caterpillar flea locust spider bedbug centipede fly maggot tarantula bee "
           "cockroach gnat mosquito termite beetle cricket hornet moth wasp blackfly dragonfly "
           "horsefly roach weevil").split()
PLEASANT = ("caress freedom health love peace cheer friend heaven loyal pleasure diamond gentle "
            "honest lucky rainbow diploma gift honor miracle sunrise family happy laughter "
            "paradise vacation").split()
UNPLEASANT = ("abuse crash filth murder sickness accident death grief poison stink assault "
              "disaster hatred pollute tragedy divorce jail poverty ugly cancer kill rotten "
              "vomit agony prison").split()
MALE_NAMES = "John Paul Mike Kevin Steve Greg Jeff Bill".split()
FEMALE_NAMES = "Amy Joan Lisa Sarah Diana Kate Ann Donna".split()
CAREER = "executive management professional corporation salary office business career".split()
FAMILY = "home parents children family cousins marriage wedding relatives".split()
MATH = "math algebra geometry calculus equations computation numbers addition".split()
ARTS = "poetry art dance literature novel symphony drama sculpture".split()
MALE_TERMS = "male man boy brother he him his son".split()
FEMALE_TERMS = "female woman girl sister she her hers daughter".split()
SCIENCE = "science technology physics chemistry Einstein NASA experiment astronomy".split()
ARTS_8 = "poetry art Shakespeare dance literature novel symphony drama".split()
MALE_FAMILY = "brother father uncle grandfather son he his him".split()
FEMALE_FAMILY = "sister mother aunt grandmother daughter she hers her".split()
# --8<-- [end:word_sets]
