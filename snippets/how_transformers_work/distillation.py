"""DistilBERT against BERT: what distillation trades, computed, measured and as published."""

# --8<-- [start:published]
# Sanh et al., "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter",
# arXiv:1910.01108. Cited, not measured: quality needs the trained weights and GLUE.
DISTILBERT_PUBLISHED = dict(
    fewer_parameters="40%",
    faster="60%",
    language_understanding_retained="97% (of BERT-base's GLUE score)",
    # Table 3: one full pass over the GLUE task STS-B, on a CPU, with a batch size of 1
    cpu_seconds_sts_b={"BERT-base": 668, "DistilBERT": 410},
    source="Sanh et al. 2019, arXiv:1910.01108, abstract and Table 3",
)


def distilbert_claims(bert_params: int, distilbert_params: int) -> list[dict[str, str]]:
    """The paper's three claims, each beside what it rests on; our parameter counts given."""
    seconds = DISTILBERT_PUBLISHED["cpu_seconds_sts_b"]
    return [
        {"claim": "fewer parameters", "paper": DISTILBERT_PUBLISHED["fewer_parameters"],
         "what it rests on": f"{bert_params:,} against {distilbert_params:,}: "
                             f"{1 - distilbert_params / bert_params:.0%} fewer, as we count"},
        {"claim": "faster", "paper": DISTILBERT_PUBLISHED["faster"],
         "what it rests on": f"Table 3, a pass over STS-B on a CPU: BERT {seconds['BERT-base']} s, "
                             f"DistilBERT {seconds['DistilBERT']} s, "
                             f"{seconds['BERT-base'] / seconds['DistilBERT']:.2f} times as fast"},
        {"claim": "language understanding kept",
         "paper": DISTILBERT_PUBLISHED["language_understanding_retained"],
         "what it rests on": "the trained weights on GLUE: cited, not measured here"},
    ]
# --8<-- [end:published]


# --8<-- [start:full_size]
import torch
from transformers import BertConfig, BertModel, DistilBertConfig, DistilBertModel


def full_size_teacher_and_student(device: str | torch.device = "cpu", seed: int = 0):
    """bert-base and distilbert-base at their real sizes, with random weights.

    The default configs are those of bert-base-uncased (12 layers) and distilbert-base-uncased
    (6 layers): enough to count parameters and time a forward pass, not to be any good."""
    torch.manual_seed(seed)
    teacher = BertModel(BertConfig()).to(device).eval()
    student = DistilBertModel(DistilBertConfig()).to(device).eval()
    return teacher, student
# --8<-- [end:full_size]


# --8<-- [start:fastest_in_turn]
import time

import torch


def fastest_in_turn(models: dict, input_ids: torch.Tensor, rounds: int = 5) -> dict[str, float]:
    """Each model's fastest forward pass, in seconds, the models timed in turn over `rounds`.

    Taking turns (after one warm-up pass each) spreads a busy spell of the machine over all
    the models, and the fastest pass of each is the one least slowed down by it."""
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    times = {name: [] for name in models}
    with torch.no_grad():
        for model in models.values():
            model(input_ids)  # warm-up
        for _ in range(rounds):
            for name, model in models.items():  # one pass of each model, in turn
                if input_ids.device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                model(input_ids)
                if input_ids.device.type == "cuda":
                    torch.cuda.synchronize()
                times[name].append(time.perf_counter() - start)
    return {name: min(seconds) for name, seconds in times.items()}
# --8<-- [end:fastest_in_turn]
