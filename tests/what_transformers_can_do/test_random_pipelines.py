import numpy as np
import pytest
import transformers
from huggingface_hub import constants
from transformers import AutoTokenizer

from snippets.models import minilm_checkpoint
from snippets.random_models import REAL_CHECKPOINTS
from snippets.what_transformers_can_do import random_pipelines
from snippets.what_transformers_can_do.pipelines import error_message
from snippets.what_transformers_can_do.random_pipelines import (
    character_tokenizer,
    course_examples_online,
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
    # the uncased stand-in: the page's "sy", "##lva", "##in", not the cased model's "Sylvain"
    assert wordpiece.tokenize("Sylvain") == ["sy", "##lva", "##in"]
    # the Hugging Face course's transformers 4 argument is gone, at the call and in pipeline()
    assert error_message(ner, SENTENCE, grouped_entities=True).startswith("TypeError")
    assert error_message(transformers.pipeline, "ner", model=ner.model, tokenizer=wordpiece,
                         grouped_entities=True).startswith(
        "TypeError: TokenClassificationPipeline._sanitize_parameters() got an unexpected "
        "keyword argument 'grouped_entities'")


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
    assert result["scores"] == pytest.approx([1 / 3] * 3, abs=0.01)  # random: logits near 0
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


COURSE_CHECKPOINTS = {
    "ner": "dbmdz/bert-large-cased-finetuned-conll03-english",
    "fill-mask": REAL_CHECKPOINTS["bert"],  # the architectures of our random stand-ins
    "zero-shot-classification": "typeform/distilbert-base-uncased-mnli",
    "image-classification": REAL_CHECKPOINTS["vit"],
    "automatic-speech-recognition": REAL_CHECKPOINTS["wav2vec2"],
}


def test_the_online_course_examples_run_with_random_stand_ins(monkeypatch, wordpiece, device):
    """The online code, with each checkpoint's name swapped for a random model of its
    architecture: the same task, arguments and inputs run offline (a misspelled argument, or
    a transformers 4 one such as grouped_entities, would fail here)."""
    stand_ins = {"ner": random_ner(wordpiece, device.type),
                 "fill-mask": random_fill_mask(wordpiece, device.type),
                 "zero-shot-classification": random_zero_shot(wordpiece, device.type),
                 "image-classification": random_image_classifier(device.type),
                 "automatic-speech-recognition": random_speech_recognizer(device.type)}
    checkpoints = {}

    def offline_pipeline(task, model, **kwargs):
        checkpoints[task] = model
        stand_in = stand_ins[task]
        return transformers.pipeline(
            task, model=stand_in.model, tokenizer=stand_in.tokenizer,
            image_processor=stand_in.image_processor,
            feature_extractor=stand_in.feature_extractor, device=stand_in.device, **kwargs)

    monkeypatch.setattr(random_pipelines, "pipeline", offline_pipeline)
    results = course_examples_online(striped_image(), tone(seconds=1.0))
    assert checkpoints == COURSE_CHECKPOINTS
    assert results["ner"] == stand_ins["ner"](SENTENCE)  # aggregation_strategy="simple"
    assert all("entity_group" in entity for entity in results["ner"])
    assert len(results["fill-mask"]) == 2
    assert sorted(results["zero-shot-classification"]["labels"]) == [
        "business", "education", "politics"]
    assert len(results["image-classification"]) == 3
    assert set(results["automatic-speech-recognition"]["text"]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ' ")


def test_the_online_course_examples_need_the_hub():
    if not constants.HF_HUB_OFFLINE:
        pytest.skip("needs HF_HUB_OFFLINE=1")
    with pytest.raises(OSError, match="couldn't connect to 'https://huggingface.co'"):
        course_examples_online(striped_image(), tone())
