import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from huggingface_hub import constants
from transformers import AutoTokenizer

from snippets.introduction.ecosystem import (
    count_words,
    encode_with_offsets,
    label_counts,
    load_csv_dataset,
    load_from_hub,
    offline_settings,
    open_arrow_file,
    place_with_accelerate,
    resolve,
    short_path,
)
from snippets.models import SMOLLM2_HUB, minilm_checkpoint, tiny_llama

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ROOT / "data" / "icl_topics.csv"
TEXT = "Tokenizers split unbelievably rare words like transmogrify."


@pytest.fixture(scope="module")
def checkpoint():
    try:
        return minilm_checkpoint()
    except ModuleNotFoundError as error:
        pytest.skip(str(error))


def test_offsets_and_word_ids_are_those_of_the_transformers_fast_tokenizer(checkpoint):
    rows = encode_with_offsets(checkpoint / "tokenizer.json", TEXT)
    # the text's own tokens, not the 128 of the file's padding; the rare word's pieces by hand
    assert len(rows) == 19 and "[PAD]" not in [token for token, _, _ in rows]
    assert rows[13:17] == [("trans", (46, 51), 6), ("##mo", (51, 53), 6),
                           ("##gr", (53, 55), 6), ("##ify", (55, 58), 6)]
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    encoding = tokenizer(TEXT, return_offsets_mapping=True)
    assert [token for token, _, _ in rows] == encoding.tokens()
    assert [offsets for _, offsets, _ in rows] == [tuple(o) for o in encoding["offset_mapping"]]
    assert [word for _, _, word in rows] == encoding.word_ids()
    # the pieces of one word share its word id, and their offsets cover its characters
    pieces = [(token, start, end) for token, (start, end), word in rows if word == 6]
    assert "".join(TEXT[start:end] for _, start, end in pieces) == "transmogrify"
    assert len(pieces) > 1 and pieces[1][0].startswith("##")
    assert rows[0] == ("[CLS]", (0, 0), None) and rows[-1] == ("[SEP]", (0, 0), None)


def test_csv_dataset_maps_filters_splits_and_is_memory_mapped(tmp_path):
    dataset = load_csv_dataset(TOPICS, tmp_path)
    assert dataset.num_rows == 80 and dataset.column_names == ["text", "label"]
    assert Counter(dataset["label"]) == {"food": 20, "music": 20, "weather": 20, "technology": 20}
    with_words = dataset.map(count_words)
    assert with_words[0]["num_words"] == len(dataset[0]["text"].split())
    short = with_words.filter(lambda row: row["num_words"] <= 8)
    assert 0 < short.num_rows < 80 and max(short["num_words"]) <= 8
    with pytest.raises(ValueError, match="only supported for ClassLabel column"):
        with_words.train_test_split(test_size=0.25, seed=0, stratify_by_column="label")
    plain = with_words.train_test_split(test_size=0.25, seed=0)  # the core page's split
    assert (plain["train"].num_rows, plain["test"].num_rows) == (60, 20)
    assert label_counts(plain["test"]) != dict.fromkeys(label_counts(plain["test"]), 5)
    splits = with_words.class_encode_column("label").train_test_split(
        test_size=0.25, seed=0, stratify_by_column="label")
    assert (splits["train"].num_rows, splits["test"].num_rows) == (60, 20)
    assert label_counts(splits["test"]) == {"food": 5, "music": 5, "technology": 5, "weather": 5}
    assert label_counts(splits["train"]) == dict.fromkeys(["food", "music", "technology",
                                                            "weather"], 15)
    assert label_counts(dataset) == dict(sorted(Counter(dataset["label"]).items()))  # text labels
    arrow_file = dataset.cache_files[0]["filename"]
    assert arrow_file.startswith(str(tmp_path)) and arrow_file.endswith(".arrow")
    mapped, allocated = open_arrow_file(arrow_file)
    assert type(mapped.data).__name__ == "MemoryMappedTable"
    assert allocated == 0 and mapped["text"] == dataset["text"]
    # the contrast the deep dive prints: in_memory=True copies the table into Arrow's pool
    copied, allocated = open_arrow_file(arrow_file, in_memory=True)
    assert type(copied.data).__name__ == "InMemoryTable" and copied["text"] == dataset["text"]
    assert allocated >= copied.data.nbytes > 0


def test_accelerate_puts_the_model_and_batch_on_the_chosen_device(device):
    model = tiny_llama(seed=0, device="cpu")
    with torch.no_grad():
        expected = model(torch.tensor([[1, 5, 9]])).logits
    batch = {"input_ids": torch.tensor([[1, 5, 9]]), "attention_mask": torch.ones(1, 3)}
    accelerator, model, batch = place_with_accelerate(model, batch, device=device.type)
    assert accelerator.device.type == device.type and model.device.type == device.type
    assert all(tensor.device.type == device.type for tensor in batch.values())
    with torch.no_grad():
        logits = model(**batch).logits
    torch.testing.assert_close(logits.cpu(), expected, rtol=1e-4, atol=1e-4)


def test_a_folder_resolves_to_its_own_files(checkpoint):
    assert resolve(checkpoint) == str(checkpoint / "config.json")
    assert resolve(checkpoint, "tokenizer.json") == str(checkpoint / "tokenizer.json")


@pytest.mark.skipif(not constants.HF_HUB_OFFLINE, reason="needs HF_HUB_OFFLINE=1")
def test_offline_a_hub_name_outside_the_cache_is_an_error():
    assert offline_settings()["huggingface_hub offline mode"] is True
    assert resolve("no-such-org/no-such-model").startswith("OSError: We couldn't connect")
    if not resolve(SMOLLM2_HUB).startswith("OSError"):
        pytest.skip("SmolLM2 is in this machine's Hub cache")
    with pytest.raises(OSError, match="couldn't connect to 'https://huggingface.co'"):
        load_from_hub(device="cpu")


def test_short_path_hides_the_machines_folders(monkeypatch, tmp_path):
    import sysconfig

    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"purelib": str(tmp_path / "site")})
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    assert short_path(tmp_path / "site" / "pkg" / "model" / "config.json") == (
        "<site-packages>/pkg/model/config.json")
    assert short_path(tmp_path / "me" / ".cache" / "huggingface" / "hub") == (
        "~/.cache/huggingface/hub")
    assert short_path("/opt/models/config.json") == "/opt/models/config.json"  # left as it is


OFFLINE_CELL = ROOT / "snippets" / "introduction" / "ecosystem.py"


def hub_offline_after_the_first_cell(environment_value: str | None) -> str:
    """huggingface_hub's offline mode in a fresh Python that runs the lesson's first cell."""
    section = OFFLINE_CELL.read_text().split("# --8<-- [start:offline]")[1].split(
        "# --8<-- [end:offline]")[0]
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    if environment_value is not None:
        env["HF_HUB_OFFLINE"] = environment_value
    script = section + "\nfrom huggingface_hub import constants\nprint(constants.HF_HUB_OFFLINE)"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, check=True)
    return result.stdout.strip()


def test_the_first_cell_makes_a_fresh_notebook_offline_unless_the_reader_chose():
    assert hub_offline_after_the_first_cell(None) == "True"  # a downloaded notebook, as is
    assert hub_offline_after_the_first_cell("0") == "False"  # a reader who wants the Hub
