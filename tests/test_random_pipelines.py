import numpy as np
import pytest
from huggingface_hub import constants
from transformers import AutoTokenizer

from snippets.models import minilm_checkpoint
from snippets.pipelines import error_message
from snippets.random_pipelines import (
    ONLINE,
    character_tokenizer,
    online_pipeline,
    random_fill_mask,
    random_image_classifier,
    random_ner,
    random_speech_recognizer,
    random_zero_shot,
    striped_image,
    tone,
)

SENTENCE = "My name is Sylvain and I work at Hugging Face in Brooklyn."


@pytest.fixture(scope="module")
def wordpiece():
    try:
        return AutoTokenizer.from_pretrained(minilm_checkpoint())
    except ModuleNotFoundError as error:
        pytest.skip(str(error))


def test_ner_groups_entities_with_placeholder_labels_and_character_offsets(wordpiece, device):
    ner = random_ner(wordpiece, device=device.type)
    entities = ner(SENTENCE)
    assert entities and all(set(e) == {"entity_group", "score", "word", "start", "end"}
                            for e in entities)
    assert all(e["entity_group"].startswith("RANDOM_") for e in entities)
    for entity in entities:  # each group's word is the text it spans, lower-cased
        span = SENTENCE[entity["start"]:entity["end"]].lower().replace(" ", "")
        assert span == entity["word"].replace("##", "").replace(" ", "")
    # the Hugging Face course's transformers 4 argument is gone
    assert error_message(ner, SENTENCE, grouped_entities=True).startswith("TypeError")


def test_fill_mask_returns_vocabulary_tokens_in_the_sentence(wordpiece, device):
    fill = random_fill_mask(wordpiece, device=device.type)
    results = fill("This course will teach you all about [MASK] models.", top_k=3)
    assert len(results) == 3 and results[0]["score"] >= results[1]["score"] >= results[2]["score"]
    for row in results:
        assert row["sequence"] == f"this course will teach you all about {row['token_str']} models."


def test_zero_shot_ranks_every_candidate_label(wordpiece, device):
    classify = random_zero_shot(wordpiece, device=device.type)
    labels = ["education", "politics", "business"]
    result = classify("This is a course about the Transformers library", candidate_labels=labels)
    assert sorted(result["labels"]) == sorted(labels)
    assert sum(result["scores"]) == pytest.approx(1.0)
    assert result["scores"] == pytest.approx([1 / 3] * 3, abs=0.01)  # an untrained head
    assert error_message(classify, "Some text", candidate_labels=[]).startswith(
        "ValueError: You must include at least one label")


def test_image_classification_scores_placeholder_classes(device):
    classify = random_image_classifier(device=device.type)
    results = classify(striped_image())
    assert [row["label"] for row in results] != [] and len(results) == 3
    assert all(row["label"].startswith("RANDOM_CLASS_") for row in results)
    assert sum(row["score"] for row in results) == pytest.approx(1.0)
    assert np.asarray(striped_image(96))[0].tolist()[0] == [255, 0, 0]


def test_speech_recognition_writes_characters_of_its_vocabulary(device):
    tokenizer = character_tokenizer()
    assert len(tokenizer) == 32 and tokenizer.convert_tokens_to_ids("|") == 4
    recognize = random_speech_recognizer(device=device.type)
    text = recognize(tone(seconds=1.0))["text"]
    assert text and set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ' ")
    assert tone(0.5).shape == (8000,) and tone().dtype == np.float32


def test_online_pipelines_name_real_checkpoints_and_fail_offline():
    assert set(ONLINE) == {"ner", "fill-mask", "zero-shot-classification",
                           "image-classification", "automatic-speech-recognition"}
    assert ONLINE["ner"]["aggregation_strategy"] == "simple"
    with pytest.raises(ValueError, match="task must be one of"):
        online_pipeline("summarization")
    if not constants.HF_HUB_OFFLINE:
        pytest.skip("needs HF_HUB_OFFLINE=1")
    with pytest.raises(OSError, match="couldn't connect to 'https://huggingface.co'"):
        online_pipeline("fill-mask")
