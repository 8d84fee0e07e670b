import pytest

from snippets.compute_footprint import (
    ASSUMPTIONS,
    PUBLISHED_RUNS,
    footprint,
    gpu_hours,
    sharing_saves,
    training_flops,
)

RUNS = {run["model"]: run for run in PUBLISHED_RUNS}


def test_six_n_d_matches_gpt3s_published_compute():
    gpt3 = RUNS["GPT-3 175B"]
    estimate = training_flops(gpt3["n_params"], gpt3["n_tokens"])
    assert estimate == pytest.approx(3.15e23)
    assert estimate == pytest.approx(gpt3["published_flops"], rel=0.01)


def test_training_flops_rejects_nonsense():
    with pytest.raises(ValueError, match="must be positive, got 0 and 10"):
        training_flops(0, 10)


def test_llama_gpu_hours_at_its_published_throughput():
    # Touvron et al.: about 380 tokens/s per A100 for LLaMA-65B, 1.4T tokens in about 21 days
    # on 2048 GPUs. That throughput is 6 N x 380 FLOP/s, about 48% of the A100's peak.
    llama = RUNS["LLaMA-65B"]
    utilisation = 6 * llama["n_params"] * 380 / ASSUMPTIONS["peak_flops_per_s"]
    assert utilisation == pytest.approx(0.4765, abs=1e-3)
    hours = gpu_hours(training_flops(llama["n_params"], llama["n_tokens"]),
                      ASSUMPTIONS["peak_flops_per_s"], utilisation)
    assert hours == pytest.approx(1.4e12 / 380 / 3600)
    assert hours / 2048 / 24 == pytest.approx(21, abs=0.5)  # days on 2048 GPUs


def test_footprint_under_the_stated_assumptions():
    result = footprint(1e24, **ASSUMPTIONS)
    assert result["gpu_hours"] == pytest.approx(1e24 / (312e12 * 0.4) / 3600)
    assert result["mwh"] == pytest.approx(result["gpu_hours"] * 400 * 1.1 / 1e6)
    assert result["tonnes_co2"] == pytest.approx(result["mwh"] * 0.385)
    with pytest.raises(ValueError, match=r"utilisation must be in \(0, 1\], got 1.5"):
        footprint(1e24, **{**ASSUMPTIONS, "utilisation": 1.5})


def test_sharing_one_checkpoint_saves_almost_all_pre_training():
    result = sharing_saves(pretrain_flops=100.0, finetune_flops=1.0, teams=10)
    assert result == dict(everyone_pretrains=1010.0, one_shared=110.0,
                          saved_share=pytest.approx(1 - 110 / 1010))
    assert sharing_saves(100.0, 1.0, teams=1)["saved_share"] == 0
    with pytest.raises(ValueError, match="teams must be at least 1, got 0"):
        sharing_saves(100.0, 1.0, teams=0)


def test_tokens_per_parameter_of_smollm2_and_gpt3():
    smol, gpt3 = RUNS["SmolLM2-135M"], RUNS["GPT-3 175B"]
    assert smol["n_tokens"] / smol["n_params"] == pytest.approx(15_000, rel=0.02)
    assert gpt3["n_tokens"] / gpt3["n_params"] < 2
