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


# --8<-- [start:forward_seconds]
import time

import torch


def forward_seconds(model, input_ids: torch.Tensor, repeats: int = 3) -> float:
    """The fastest of `repeats` timed forward passes (after one warm-up), in seconds."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    times = []
    with torch.no_grad():
        model(input_ids)  # warm-up
        for _ in range(repeats):
            if input_ids.device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(input_ids)
            if input_ids.device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
    return min(times)
# --8<-- [end:forward_seconds]
