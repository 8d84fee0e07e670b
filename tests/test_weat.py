import math

import pytest
import torch

from snippets.models import minilm_checkpoint
from snippets.weat import (
    ARTS,
    CAREER,
    FAMILY,
    FEMALE_NAMES,
    FEMALE_TERMS,
    FLOWERS,
    INSECTS,
    MALE_NAMES,
    MALE_TERMS,
    MATH,
    PLEASANT,
    UNPLEASANT,
    association,
    association_loop,
    effect_size,
    embed,
    permutation_p_value,
    pooling_config,
)


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
    assert permutation_p_value(X, Y, A, B) == pytest.approx(2 / 6)
    assert permutation_p_value(Y, X, A, B) == pytest.approx(5 / 6)


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
    exact = permutation_p_value(X, Y, A, B)  # C(10, 5) = 252 splits
    sampled = permutation_p_value(X, Y, A, B, max_exact=0, num_samples=20_000)
    assert sampled == pytest.approx(exact, abs=0.015)
    assert sampled == permutation_p_value(X, Y, A, B, max_exact=0, num_samples=20_000)  # seeded


def test_unequal_target_sets_raise(device):
    X, Y, A, B = hand_example(device)
    with pytest.raises(ValueError, match="same number of words, at least 2; got 2 and 1"):
        permutation_p_value(X, Y[:1], A, B)


def test_minilm_pools_by_the_mean_and_embeddings_ignore_padding(minilm):
    assert pooling_config(minilm_checkpoint())["pooling_mode_mean_tokens"] is True
    model, tokenizer = minilm
    texts = ["cat", "a much longer sentence about a dog in the park"]
    together = embed(model, tokenizer, texts)
    alone = torch.cat([embed(model, tokenizer, [text]) for text in texts])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(together.norm(dim=-1), torch.ones(2, device=together.device))
    with pytest.raises(ValueError, match="texts is empty"):
        embed(model, tokenizer, [])


@pytest.mark.parametrize("X, Y, A, B", [
    (FLOWERS, INSECTS, PLEASANT, UNPLEASANT),
    (MALE_NAMES, FEMALE_NAMES, CAREER, FAMILY),
    (MATH, ARTS, MALE_TERMS, FEMALE_TERMS),
], ids=["flowers-insects", "names-career-family", "math-arts-gender"])
def test_the_lesson_claims_hold_for_minilm(minilm, X, Y, A, B):
    """The bias lesson says all three effects are large (d > 0.8) and p < 0.05."""
    model, tokenizer = minilm
    X, Y, A, B = (embed(model, tokenizer, words) for words in (X, Y, A, B))
    assert effect_size(X, Y, A, B) > 0.8
    assert permutation_p_value(X, Y, A, B) < 0.05
