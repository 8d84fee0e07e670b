"""The Hugging Face libraries at work offline: Tokenizers, Datasets, Accelerate, the Hub."""

# --8<-- [start:offline]
import os

# Before transformers, datasets or huggingface_hub is imported: they read this variable once,
# at import. Nothing is downloaded from the Hub; start Jupyter with HF_HUB_OFFLINE=0 to go online.
if "HF_HUB_OFFLINE" not in os.environ:
    os.environ["HF_HUB_OFFLINE"] = "1"
# --8<-- [end:offline]

from snippets.models import (  # shown by their own sections
    MINILM_HUB, SMOLLM2_HUB, get_device, load_minilm, load_smollm2)

# --8<-- [start:tokenizers_offsets]
from pathlib import Path

from tokenizers import Tokenizer


def encode_with_offsets(tokenizer_file: str | Path, text: str) -> list[tuple[str, tuple, int]]:
    """(token, (start, end) characters of `text`, word index) for every token, via 🤗 Tokenizers."""
    tokenizer = Tokenizer.from_file(str(tokenizer_file))  # the Rust tokenizer, no transformers
    tokenizer.no_padding()  # MiniLM's file pads every encoding to 128 tokens; we want the text
    encoding = tokenizer.encode(text)
    return list(zip(encoding.tokens, encoding.offsets, encoding.word_ids, strict=True))
# --8<-- [end:tokenizers_offsets]


# --8<-- [start:datasets_local]
from pathlib import Path

from datasets import Dataset, disable_progress_bars, load_dataset

disable_progress_bars()  # the data set is tiny: progress bars would only clutter the page


def load_csv_dataset(csv_file: str | Path, cache_dir: str | Path) -> Dataset:
    """A local CSV file as a 🤗 Dataset: converted once to an Arrow file in `cache_dir`."""
    return load_dataset("csv", data_files=str(csv_file), split="train", cache_dir=str(cache_dir))


def count_words(row: dict) -> dict:
    """A new column for `Dataset.map`: the number of words of the row's text."""
    return {"num_words": len(row["text"].split())}
# --8<-- [end:datasets_local]


# --8<-- [start:label_counts]
from collections import Counter

from datasets import Dataset


def label_counts(dataset: Dataset, column: str = "label") -> dict[str, int]:
    """Rows per label, sorted by name; a ClassLabel column's integer ids are shown as names."""
    labels = dataset[column]
    feature = dataset.features[column]
    if hasattr(feature, "int2str"):  # class_encode_column stored the labels as 0, 1, 2, ...
        labels = feature.int2str(labels)
    return dict(sorted(Counter(labels).items()))
# --8<-- [end:label_counts]


# --8<-- [start:datasets_mmap]
from pathlib import Path

import pyarrow as pa
from datasets import Dataset


def open_arrow_file(arrow_file: str | Path, in_memory: bool = False) -> tuple[Dataset, int]:
    """The Dataset stored in `arrow_file`, and the bytes that opening it allocated in Arrow's
    memory pool: memory-mapped by default, copied into the pool with in_memory=True."""
    allocated_before = pa.total_allocated_bytes()
    dataset = Dataset.from_file(str(arrow_file), in_memory=in_memory)
    return dataset, pa.total_allocated_bytes() - allocated_before
# --8<-- [end:datasets_mmap]


# --8<-- [start:accelerate_place]
# Needs: models.py:device
import torch
from accelerate import Accelerator


def place_with_accelerate(model: torch.nn.Module, batch: dict, device: str | None = None):
    """(accelerator, model, batch) with the model and every tensor of `batch` on one device."""
    # Accelerator() picks CUDA when there is one; cpu=True forces the CPU, as get_device()
    # does on a machine without CUDA or when LLM_COURSE_DEVICE=cpu (the site's build)
    accelerator = Accelerator(cpu=get_device(device).type == "cpu")
    model = accelerator.prepare(model)  # one process, one device: the model is moved, not wrapped
    # a batch we built ourselves is moved by hand (a DataLoader passed to prepare() would be
    # wrapped so that its batches arrive on the device)
    batch = {name: tensor.to(accelerator.device) for name, tensor in batch.items()}
    return accelerator, model, batch
# --8<-- [end:accelerate_place]


# --8<-- [start:hub_resolution]
from pathlib import Path

from transformers.utils import cached_file


def resolve(checkpoint: str | Path, filename: str = "config.json") -> str:
    """The local file `from_pretrained(checkpoint)` reads for `filename`, or why there is none."""
    try:  # a folder: the file in it; a name such as "org/model": the Hub cache, filled
        return cached_file(str(checkpoint), filename)  # by a download unless offline
    except OSError as error:
        return f"OSError: {str(error).splitlines()[0]}"
# --8<-- [end:hub_resolution]


# --8<-- [start:hub_settings]
import os
import sysconfig
from pathlib import Path

from huggingface_hub import constants


def short_path(path: str | Path) -> str:
    """`path` without this machine's folders: <site-packages>/... for an installed package's
    file, ~/... under the home folder."""
    path = Path(path)
    for folder, name in [(sysconfig.get_paths()["purelib"], "<site-packages>"),
                         (Path.home(), "~")]:
        if path.is_relative_to(folder):
            return f"{name}/{path.relative_to(folder).as_posix()}"
    return path.as_posix()


def offline_settings() -> dict:
    """The environment variable and what huggingface_hub read from it at import time."""
    return {"HF_HUB_OFFLINE (environment)": os.environ.get("HF_HUB_OFFLINE"),
            "huggingface_hub offline mode": constants.HF_HUB_OFFLINE,
            "Hub cache folder": short_path(constants.HF_HUB_CACHE)}
# --8<-- [end:hub_settings]


# --8<-- [start:online]
# Needs: models.py:smollm2, models.py:minilm


def load_from_hub(device: str | None = None) -> dict:
    """Online, the published checkpoints by their Hub names (downloaded once, then cached):
    SmolLM2's published weights, not the rounded offline copy (see "How big are these
    models?" in lesson 01)."""
    return {SMOLLM2_HUB: load_smollm2(SMOLLM2_HUB, device),  # HuggingFaceTB/SmolLM2-135M-Instruct
            MINILM_HUB: load_minilm(MINILM_HUB, device)}  # sentence-transformers/all-MiniLM-L6-v2
# --8<-- [end:online]
