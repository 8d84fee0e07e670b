import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper  # noqa: E402

from snippets.inference.decoding import chat_input_ids, decode  # noqa: E402
from snippets.inference.sampling import (  # noqa: E402
    apply_temperature,
    plot_filters,
    plot_temperatures,
    sample_next_token,
    top_k_filter,
    top_p_filter,
    top_p_filter_loop,
)
from snippets.models import tiny_llama  # noqa: E402


def random_logits(device, seed: int, ties: bool) -> torch.Tensor:
    """(4, 100) logits; with ties, values repeat (rounded to one decimal)."""
    logits = torch.randn(4, 100, generator=torch.Generator().manual_seed(seed)) * 3
    return (logits.round(decimals=1) if ties else logits).to(device)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_filters_equal_transformers_warpers(device, seed, ties):
    logits = random_logits(device, seed, ties)
    if ties:
        assert logits[0].unique().numel() < logits.shape[1]
    for temperature in (0.3, 1.0, 2.5):
        expected = TemperatureLogitsWarper(temperature)(None, logits)
        torch.testing.assert_close(apply_temperature(logits, temperature), expected,
                                   rtol=0, atol=0)
    for top_k in (1, 5, 50, 100, 500):
        torch.testing.assert_close(top_k_filter(logits, top_k),
                                   TopKLogitsWarper(top_k)(None, logits), rtol=0, atol=0)
    for top_p in (0.05, 0.5, 0.9, 0.999, 1.0):
        torch.testing.assert_close(top_p_filter(logits, top_p),
                                   TopPLogitsWarper(top_p)(None, logits), rtol=0, atol=0)


@pytest.mark.parametrize("seed", range(5))
def test_top_p_loop_equals_the_vectorised_filter(device, seed):
    logits = random_logits(device, seed, ties=False)
    for top_p in (0.05, 0.3, 0.5, 0.9, 0.999, 1.0):
        torch.testing.assert_close(top_p_filter_loop(logits, top_p), top_p_filter(logits, top_p),
                                   rtol=0, atol=0)


def test_top_k_keeps_ties_with_the_kth_logit(device):
    logits = torch.tensor([[3.0, 1.0, 2.0, 2.0, 0.0]], device=device)
    kept = torch.isfinite(top_k_filter(logits, 2))
    assert kept.tolist() == [[True, False, True, True, False]]


@pytest.mark.parametrize("top_p_filter", [top_p_filter, top_p_filter_loop])
def test_top_p_keeps_the_smallest_nucleus_that_reaches_at_least_p(device, top_p_filter):
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]], device=device))

    def kept(top_p):
        return torch.isfinite(top_p_filter(logits, top_p)).tolist()[0]
    assert kept(0.01) == kept(0.49) == [True, False, False, False]  # 0.5 alone reaches p
    assert kept(0.51) == kept(0.7) == [True, True, False, False]  # 0.8 reaches p, 0.5 does not
    assert kept(0.81) == [True, True, True, False]  # one more token past p, never one fewer
    assert kept(0.96) == kept(1.0) == [True, True, True, True]
    # exactly on a boundary (powers of two add up exactly): reaching p is enough
    halves = torch.log(torch.tensor([[0.5, 0.25, 0.125, 0.125]], device=device))
    assert torch.isfinite(top_p_filter(halves, 0.5)).tolist()[0] == [True, False, False, False]
    assert torch.isfinite(top_p_filter(halves, 0.75)).tolist()[0] == [True, True, False, False]
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match=rf"top_p must be in \(0, 1\], got {bad}"):
            top_p_filter(logits, bad)


def test_top_p_loop_stops_as_soon_as_its_kept_mass_equals_p(device):
    """The loop's own boundary: p set to exactly the mass it adds up (in its float64), so
    `kept_mass >= top_p` keeps the nucleus and `>` would keep one token more."""
    logits = torch.tensor([[2.0, 1.0, 0.5, -1.0]], device=device)
    probs = torch.softmax(logits.double(), dim=-1)[0].tolist()
    one, two = probs[0], probs[0] + probs[1]  # the loop's running sums, in its order
    assert torch.isfinite(top_p_filter_loop(logits, one)).tolist()[0] == [True, False, False, False]
    assert torch.isfinite(top_p_filter_loop(logits, two)).tolist()[0] == [True, True, False, False]


@pytest.mark.parametrize("bad, message", [
    (dict(temperature=-0.5), r"temperature must be >= 0, got -0.5 \(0 means greedy\)"),
    (dict(top_k=0), "top_k must be >= 1, got 0"),
    (dict(top_p=0.0), r"top_p must be in \(0, 1\], got 0.0"),
    (dict(top_p=1.5), r"top_p must be in \(0, 1\], got 1.5"),
])
def test_bad_sampling_settings_name_the_value_and_range(device, bad, message):
    with pytest.raises(ValueError, match=message):
        sample_next_token(torch.zeros(1, 10, device=device), **{"temperature": 1.0, **bad})


def test_temperature_zero_is_greedy_and_apply_temperature_says_so(device):
    logits = torch.tensor([[0.1, 2.0, 0.3]], device=device)
    assert sample_next_token(logits, temperature=0).tolist() == [1]
    with pytest.raises(ValueError, match=r"got 0 \(temperature 0 means greedy: take the "
                                         r"argmax instead of sampling\)$"):
        apply_temperature(logits, 0)


def test_one_row_of_logits_gives_one_token_id(device):
    """Logits of shape (vocab_size,), as the filters take them: a single id, greedy or drawn."""
    logits = torch.tensor([0.1, 2.0, 0.3], device=device)
    assert sample_next_token(logits, temperature=0).tolist() == 1
    torch.manual_seed(0)
    drawn = sample_next_token(logits, temperature=0.5, top_k=2)
    assert drawn.shape == () and drawn.item() in (1, 2)


def test_sampling_follows_the_filtered_distribution(device):
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]], device=device)).expand(20_000, 4)
    torch.manual_seed(0)
    draws = sample_next_token(logits, top_k=2)
    frequencies = (torch.bincount(draws, minlength=4) / draws.numel()).cpu()
    torch.testing.assert_close(frequencies, torch.tensor([0.625, 0.375, 0.0, 0.0]),
                               rtol=0, atol=0.015)


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_a_draw_at_a_temperature_is_a_draw_from_the_divided_logits(device, temperature):
    logits = random_logits(device, seed=0, ties=False)
    torch.manual_seed(0)
    ours = sample_next_token(logits, temperature=temperature)
    torch.manual_seed(0)
    expected = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1).squeeze(-1)
    assert torch.equal(ours, expected)


SETTINGS = [dict(temperature=1.0, top_k=50, top_p=0.9), dict(temperature=0.7, top_k=20),
            dict(temperature=1.3, top_p=0.8), dict(temperature=1.0)]


def sampling_matches_generate(model, input_ids, eos_token_id, max_new_tokens, seed, settings):
    """Our loop with our sampler vs generate(do_sample=True), same seed, same settings."""
    torch.manual_seed(seed)
    ours = decode(model, input_ids, max_new_tokens, eos_token_id=eos_token_id,
                  choose_next=lambda logits, _: sample_next_token(logits, **settings))
    library = {"top_k": settings.get("top_k") or 0, "top_p": settings.get("top_p", 1.0),
               "temperature": settings["temperature"]}
    torch.manual_seed(seed)
    theirs = model.generate(input_ids, do_sample=True, max_new_tokens=max_new_tokens,
                            eos_token_id=eos_token_id, pad_token_id=eos_token_id, **library)
    return ours, theirs[:, input_ids.shape[1]:]


@pytest.mark.parametrize("seed", range(5))
def test_sampling_loop_equals_generate_on_smollm2(smollm2, seed):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, "Tell me a short story about a cat.", model.device)
    ours, theirs = sampling_matches_generate(model, input_ids, tokenizer.eos_token_id, 20, seed,
                                             SETTINGS[seed % len(SETTINGS)])
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("seed", range(5))
def test_sampling_loop_equals_generate_on_a_tiny_llama(device, seed):
    model = tiny_llama(seed=1, device=device.type)
    input_ids = torch.tensor([[1, 17, 42, 99]], device=device)
    for settings in SETTINGS:
        ours, theirs = sampling_matches_generate(model, input_ids, None, 30, seed, settings)
        assert torch.equal(ours, theirs)


def test_plots_show_temperatures_and_kept_tokens(smollm2):
    model, tokenizer = smollm2
    logits = torch.randn(len(tokenizer), generator=torch.Generator().manual_seed(0))
    fig = plot_temperatures(logits, tokenizer, [0.5, 1.0, 2.0], k=8)
    temperatures = (0.5, 1.0, 2.0)
    shares = [torch.softmax(logits / t, dim=-1).topk(8).values.sum() for t in temperatures]
    assert [ax.get_title() for ax in fig.axes] == [
        f"temperature {t}: top 8 hold {share:.2f}"
        for t, share in zip(temperatures, shares, strict=True)]
    assert shares[0] > shares[1] > shares[2]  # the higher the temperature, the flatter
    assert len(fig.axes[0].patches) == 8
    plt.close(fig)
    fig = plot_filters(logits, tokenizer, top_k=5, top_p=0.5, n=12)
    assert fig.axes[0].get_title().startswith("top-k, k = 5: 5 kept")
    # random logits spread the probability: top-p keeps far more tokens than the 12 drawn,
    # and the title counts them all
    nucleus = torch.isfinite(top_p_filter(logits[None], 0.5)).sum().item()
    assert nucleus > 12
    assert fig.axes[1].get_title().startswith(f"top-p, p = 0.5: {nucleus} kept")
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one temperature"):
        plot_temperatures(logits, tokenizer, [])
