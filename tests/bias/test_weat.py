import math
import re
import statistics

import pytest
import torch

from snippets.bias.weat import (
    ARTS,
    ARTS_8,
    CAREER,
    FAMILY,
    FEMALE_FAMILY,
    FEMALE_NAMES,
    FEMALE_TERMS,
    FLOWERS,
    INSECTS,
    MALE_FAMILY,
    MALE_NAMES,
    MALE_TERMS,
    MATH,
    PLEASANT,
    SCIENCE,
    UNPLEASANT,
    association,
    association_loop,
    effect_size,
    embed,
    holm,
    leave_one_out_effect_sizes,
    permutation_test,
    pooling_config,
    sentence_transformers_modules,
    weat,
)
from snippets.models import minilm_checkpoint


def whole(message: str) -> str:
    """A pattern that matches exactly `message`, the whole of an error's text."""
    return f"^{re.escape(message)}$"


def unit(*rows, device="cpu"):
    return torch.nn.functional.normalize(torch.tensor(rows, dtype=torch.float32), dim=-1).to(device)


def hand_example(device):
    """A = east, B = north; s(w) = w_east - w_north = [1, -0.2] for X and [-1, 0.2] for Y."""
    A, B = unit([1.0, 0.0], device=device), unit([0.0, 1.0], device=device)
    X = unit([1.0, 0.0], [0.6, 0.8], device=device)
    Y = unit([0.0, 1.0], [0.8, 0.6], device=device)
    return X, Y, A, B


def test_effect_size_equals_the_hand_computation(device):
    X, Y, A, B = hand_example(device)
    # means 0.4 and -0.4; the four s values 1, -0.2, -1, 0.2 have mean 0 and a sample
    # variance (1 + 0.04 + 1 + 0.04) / 3
    assert effect_size(X, Y, A, B) == pytest.approx(0.8 / math.sqrt(2.08 / 3), abs=1e-6)
    assert effect_size(Y, X, A, B) == pytest.approx(-0.8 / math.sqrt(2.08 / 3), abs=1e-6)


def test_exact_p_value_equals_the_hand_count(device):
    X, Y, A, B = hand_example(device)
    # the 6 splits of {1, -0.2, -1, 0.2} into two pairs give sum(X_i) - sum(Y_i) of
    # 1.6 (observed), 0, 2.4, -2.4, 0, -1.6: two of six are >= 1.6
    assert permutation_test(X, Y, A, B) == (pytest.approx(2 / 6), 2, 6, True)
    assert permutation_test(Y, X, A, B) == (pytest.approx(5 / 6), 5, 6, True)


def test_sampled_p_value_counts_the_observed_split_once(device):
    X, Y, A, B = hand_example(device)
    sampled = permutation_test(X, Y, A, B, max_exact=0, num_samples=600)
    assert sampled.exact is False and sampled.num_splits == 600
    assert sampled == permutation_test(X, Y, A, B, max_exact=0, num_samples=600, seed=0)
    # max_exact counts the splits it may try: all 6 here, when it is 6
    assert permutation_test(X, Y, A, B, max_exact=6).exact is True
    assert permutation_test(X, Y, A, B, max_exact=5, num_samples=600) == sampled
    # each random split is one of the 6, two of which are as large: about a third of 600
    assert 160 < sampled.as_large < 240
    assert sampled.p_value == pytest.approx((sampled.as_large + 1) / 601)


def test_loop_and_vectorised_association_agree(device):
    generator = torch.Generator().manual_seed(0)
    W, A, B = (torch.nn.functional.normalize(torch.randn(n, 16, generator=generator), dim=-1)
               .to(device) for n in (5, 4, 3))
    expected = torch.tensor([association_loop(w, A, B) for w in W])
    torch.testing.assert_close(association(W, A, B).cpu(), expected, rtol=1e-5, atol=1e-6)


def test_sampled_p_value_approximates_the_exact_one(device):
    generator = torch.Generator().manual_seed(1)
    X, Y, A, B = (torch.nn.functional.normalize(torch.randn(n, 8, generator=generator), dim=-1)
                  .to(device) for n in (5, 5, 4, 4))
    exact = permutation_test(X, Y, A, B)  # C(10, 5) = 252 splits
    assert exact.exact and exact.num_splits == 252
    sampled = permutation_test(X, Y, A, B, max_exact=0, num_samples=20_000)
    assert sampled.p_value == pytest.approx(exact.p_value, abs=0.015)
    assert sampled == permutation_test(X, Y, A, B, max_exact=0, num_samples=20_000)  # seeded


def test_leave_one_out_equals_the_hand_computation(device):
    X, Y, A, B = hand_example(device)
    # A and B twice over: leaving out one copy changes nothing
    A2, B2 = torch.cat([A, A]), torch.cat([B, B])
    ds = leave_one_out_effect_sizes(X, Y, A2, B2)
    assert ds.shape == (8,)  # X, Y, A and B hold 2 words each
    # without x1 the s values are -0.2 (X) and -1, 0.2 (Y): means -0.2 and -0.4
    assert ds[0].item() == pytest.approx(0.2 / statistics.stdev([-0.2, -1, 0.2]), abs=1e-6)
    # without y1 (s = -1): X keeps 1, -0.2 and Y keeps 0.2
    assert ds[2].item() == pytest.approx(0.2 / statistics.stdev([1, -0.2, 0.2]), abs=1e-6)
    assert ds[4:].tolist() == pytest.approx([effect_size(X, Y, A, B)] * 4)


def test_holm_equals_the_hand_computation():
    # sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])  # 2 x 0.6 = 1.2, capped at 1
    assert holm([0.0, 1.0]) == [0.0, 1.0]  # both ends of [0, 1] are p-values
    assert holm([]) == []
    with pytest.raises(ValueError, match=r"p-values must lie in \[0, 1\], got \[0.2, 1.5\]"):
        holm([0.2, 1.5])


def test_bad_word_sets_raise(device):
    X, Y, A, B = hand_example(device)
    with pytest.raises(ValueError, match=whole(
            "X and Y must hold the same number of words, at least 2; got 2 and 1")):
        permutation_test(X, Y[:1], A, B)
    with pytest.raises(ValueError, match=whole(
            "X, Y, A and B must each hold at least one word; got 2, 2, 0 and 1")):
        effect_size(X, Y, A[:0], B)
    for empty in range(4):  # any one of the four sets empty
        sets = [X, Y, A, B]
        sets[empty] = sets[empty][:0]
        with pytest.raises(ValueError, match="must each hold at least one word"):
            effect_size(*sets)


def test_weat_summary_says_sampled_only_when_the_splits_were_sampled(device):
    X, Y, _, _ = hand_example(device)
    A = unit([1.0, 0.0], [0.9, 0.1], device=device)  # two words each, so that leaving one
    B = unit([0.0, 1.0], [0.1, 0.9], device=device)  # out keeps a word in every set
    test = permutation_test(X, Y, A, B)
    summary = weat(X, Y, A, B)  # 6 splits: every one is tried
    assert test.exact and summary["splits as large"] == f"{test.as_large} of 6"
    assert summary["p"] == test.p_value and summary["d"] == effect_size(X, Y, A, B)


def test_minilm_pools_by_the_mean_then_normalises_and_embeddings_ignore_padding(minilm):
    assert pooling_config(minilm_checkpoint())["pooling_mode_mean_tokens"] is True
    assert sentence_transformers_modules(minilm_checkpoint()) == [
        "Transformer", "Pooling", "Normalize"]
    model, tokenizer = minilm
    texts = ["cat", "a much longer sentence about a dog in the park"]
    together = embed(model, tokenizer, texts)
    alone = torch.cat([embed(model, tokenizer, [text]) for text in texts])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(together.norm(dim=-1), torch.ones(2, device=together.device))
    with pytest.raises(ValueError, match=whole("texts is empty: nothing to embed")):
        embed(model, tokenizer, [])


TESTS = {"flowers": (FLOWERS, INSECTS, PLEASANT, UNPLEASANT),
         "names": (MALE_NAMES, FEMALE_NAMES, CAREER, FAMILY),
         "math": (MATH, ARTS, MALE_TERMS, FEMALE_TERMS),
         "science": (SCIENCE, ARTS_8, MALE_FAMILY, FEMALE_FAMILY)}


@pytest.fixture(scope="module")
def minilm_weats(minilm):
    model, tokenizer = minilm
    return {name: weat(*(embed(model, tokenizer, words) for words in word_sets))
            for name, word_sets in TESTS.items()}


def test_the_lesson_claims_hold_for_minilm(minilm_weats, device):
    """What the bias lesson says of its four WEATs on MiniLM."""
    if device.type != "cpu":
        pytest.skip("claims about the page, which is built on the CPU")
    r = minilm_weats
    # d: three above Cohen's 0.8, test 8 below it
    assert all(r[name]["d"] > 0.8 for name in ("flowers", "names", "math"))
    assert 0 < r["science"]["d"] < 0.8
    # one word left out moves d across 0.8 for math
    assert r["math"]["d, one word out: min"] < 0.8
    assert r["math"]["d, one word out: max"] > 1.2
    # with 8 words a side, one word left out moves d by a few tenths
    for name in ("names", "math", "science"):
        assert 0.2 < r[name]["d, one word out: max"] - r[name]["d, one word out: min"] < 0.6
    # flowers: no sampled split as large, so p is the floor 1 / 10,001
    assert r["flowers"]["splits as large"] == "0 of 10,000 sampled"
    assert r["flowers"]["p"] == pytest.approx(1 / 10_001)
    # uncorrected, three of four below 0.05; with Holm over four tests, two
    p = {name: r[name]["p"] for name in TESTS}
    assert [name for name in TESTS if p[name] < 0.05] == ["flowers", "names", "math"]
    p_holm = dict(zip(TESTS, holm(list(p.values())), strict=True))
    assert [name for name in TESTS if p_holm[name] <= 0.05] == ["flowers", "names"]
    # without test 8, Holm over three would have passed math too
    assert max(holm([p["flowers"], p["names"], p["math"]])) <= 0.05
    assert p["science"] > 0.1  # far from significance
    # the associations are a few hundredths of a cosine; in the math test both means are
    # negative (nearer the female terms): the difference is relative
    assert all(abs(r[name][key]) < 0.06 for name in TESTS for key in ("mean s(X)", "mean s(Y)"))
    assert r["math"]["mean s(X)"] < 0 and r["math"]["mean s(Y)"] < 0
    # the gender gap in mean s is about as large as the gap of the check that works
    gap = {name: r[name]["mean s(X)"] - r[name]["mean s(Y)"] for name in ("flowers", "names")}
    assert all(0.02 < g < 0.05 for g in gap.values())
    assert abs(gap["names"] - gap["flowers"]) < 0.05 * gap["flowers"]


def test_the_tokenizer_is_uncased(minilm):
    """The lesson: MiniLM reads "Bill" and "Mike" as "bill" and "mike"."""
    _, tokenizer = minilm
    assert tokenizer("Bill Mike")["input_ids"] == tokenizer("bill mike")["input_ids"]
