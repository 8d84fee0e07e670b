"""Training compute (about 6 x parameters x tokens), its energy and CO2, and what sharing saves."""

# --8<-- [start:training_flops]
# C ~ 6 N D: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361.
def training_flops(n_params: float, n_tokens: float) -> float:
    """Floating-point operations to train: ~6 per parameter per token (2 forward, 4 backward)."""
    if n_params <= 0 or n_tokens <= 0:
        raise ValueError(f"n_params and n_tokens must be positive, got {n_params} and {n_tokens}")
    return 6 * n_params * n_tokens


# Published sizes and training tokens: cited, not measured. `published_flops` is the compute
# a paper reports itself, where it does.
PUBLISHED_RUNS = [
    dict(model="GPT-3 175B", n_params=175e9, n_tokens=300e9, published_flops=3.14e23,
         source="Brown et al., arXiv:2005.14165: Table 2.1 (size), section 2.2 (300B tokens), "
                "Table D.1 (3.14e23 FLOPs)"),
    dict(model="LLaMA-65B", n_params=65.2e9, n_tokens=1.4e12, published_flops=None,
         source="Touvron et al., arXiv:2302.13971, Table 2"),
    dict(model="SmolLM2-1.7B", n_params=1.7e9, n_tokens=11e12, published_flops=None,
         source="HuggingFaceTB/SmolLM2-1.7B model card (11 trillion tokens)"),
    dict(model="SmolLM2-135M", n_params=135e6, n_tokens=2e12, published_flops=None,
         source="HuggingFaceTB/SmolLM2-135M model card (2 trillion tokens)"),
]
# --8<-- [end:training_flops]


# --8<-- [start:footprint]
# Assumptions, each stated: the accelerator LLaMA was trained on, and the power, data-centre
# overhead (PUE) and grid carbon intensity that Touvron et al. (arXiv:2302.13971, section 6)
# used for their own estimate. The utilisation is ours: the share of peak speed a large
# training run sustains, its "model FLOPs utilisation" (LLaMA-65B's published throughput works
# out at about 48%).
ASSUMPTIONS = dict(
    peak_flops_per_s=312e12,  # NVIDIA A100, dense bf16 (A100 datasheet)
    utilisation=0.40,  # our assumption
    watts=400,  # per GPU (the A100's rated power), as in Touvron et al.
    pue=1.1,  # data-centre overhead, as in Touvron et al.
    kg_co2_per_kwh=0.385,  # US average grid intensity, as in Touvron et al.
)


def gpu_hours(flops: float, peak_flops_per_s: float, utilisation: float) -> float:
    """Accelerator-hours to do `flops` at `utilisation` of the peak speed."""
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
    return flops / (peak_flops_per_s * utilisation) / 3600


def footprint(flops: float, peak_flops_per_s: float, utilisation: float, watts: float,
              pue: float, kg_co2_per_kwh: float) -> dict[str, float]:
    """GPU-hours, energy (MWh, data centre included) and tonnes of CO2eq for a training run."""
    hours = gpu_hours(flops, peak_flops_per_s, utilisation)
    mwh = hours * watts * pue / 1e6  # W x h = Wh; 1 MWh = 1e6 Wh
    return dict(gpu_hours=hours, mwh=mwh, tco2eq=mwh * kg_co2_per_kwh)  # kg/kWh = t/MWh


# What the papers themselves estimate for the real runs (cited, not measured), to set beside
# ours. Patterson et al. (Table 4) start from GPT-3's real run: 10,000 V100 GPUs (125 TFLOP/s
# at their peak, against an A100's 312) for 14.8 days, drawing 330 W each on average, PUE 1.1;
# Touvron et al. use the assumptions above with their measured GPU-hours.
PUBLISHED_FOOTPRINTS = {
    # OpenAI measured 24.6 TFLOP/s per V100; Patterson et al. turn 3.14e23 FLOPs at that speed
    # into 14.8 days on an assumed 10,000 GPUs. 330 W is the measured system power per GPU,
    # its share of the host included (a V100 alone is rated 300 W); 0.429 kg CO2eq per kWh.
    "GPT-3 175B": dict(gpu_hours=10_000 * 14.8 * 24, mwh=1287, tco2eq=552,
                       peak_flops_per_s=125e12, watts=330, pue=1.1,
                       source="Patterson et al. 2021, arXiv:2104.10350, Table 4"),
    "LLaMA-65B": dict(gpu_hours=1_022_362, mwh=449, tco2eq=173,
                      source="Touvron et al. 2023, arXiv:2302.13971, Table 15"),
}
# --8<-- [end:footprint]


# --8<-- [start:sharing]
def sharing_saves(pretrain_flops: float, finetune_flops: float, teams: int) -> dict[str, float]:
    """Compute when each of `teams` pre-trains its own model vs. all fine-tune one shared one."""
    if teams < 1:
        raise ValueError(f"teams must be at least 1, got {teams}")
    everyone_pretrains = teams * (pretrain_flops + finetune_flops)
    one_shared = pretrain_flops + teams * finetune_flops  # pre-trained once, then shared
    return dict(everyone_pretrains=everyone_pretrains, one_shared=one_shared,
                saved_share=1 - one_shared / everyone_pretrains)
# --8<-- [end:sharing]
