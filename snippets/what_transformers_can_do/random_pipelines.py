"""Pipelines whose real checkpoints are not available offline, run on small models with
random weights: the code is the real code; the outputs mean nothing."""

from snippets.random_models import random_model  # shown in lessons by its own section

# --8<-- [start:online]
from transformers import pipeline


def course_examples_online(image, waveform) -> dict:
    """The course's pipeline examples with real checkpoints, in transformers 5 spelling; online
    only (each first call downloads a model). `image`: a PIL image; `waveform`: 16 kHz samples."""
    ner = pipeline("ner", model="dbmdz/bert-large-cased-finetuned-conll03-english",
                   aggregation_strategy="simple")  # transformers 4: grouped_entities=True
    unmasker = pipeline("fill-mask", model="google-bert/bert-base-uncased")
    classifier = pipeline("zero-shot-classification",
                          model="typeform/distilbert-base-uncased-mnli")
    image_classifier = pipeline("image-classification", model="google/vit-base-patch16-224")
    transcriber = pipeline("automatic-speech-recognition", model="facebook/wav2vec2-base-960h")
    return {
        "ner": ner("My name is Sylvain and I work at Hugging Face in Brooklyn."),
        "fill-mask": unmasker("This course will teach you all about [MASK] models.", top_k=2),
        "zero-shot-classification": classifier(
            "This is a course about the Transformers library",
            candidate_labels=["education", "politics", "business"]),
        "image-classification": image_classifier(image),
        "automatic-speech-recognition": transcriber(waveform),
    }
# --8<-- [end:online]


# --8<-- [start:text_tasks]
# Needs: random_models.py:random_model
from transformers import (
    BertForMaskedLM,
    BertForTokenClassification,
    DistilBertForSequenceClassification,
    pipeline,
)

# The real NER model's tags; ours say RANDOM_ because a random head predicts nothing real.
NER_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def random_ner(tokenizer, device: str | None = None):
    """The NER pipeline, entities grouped, on a small BERT with random weights."""
    id2label = {i: tag if tag == "O" else f"{tag[:2]}RANDOM_{tag[2:]}"
                for i, tag in enumerate(NER_TAGS)}  # e.g. B-RANDOM_PER
    model = random_model(BertForTokenClassification, device=device, id2label=id2label,
                         label2id={label: i for i, label in id2label.items()})
    return pipeline("ner", model=model, tokenizer=tokenizer, aggregation_strategy="simple",
                    device=model.device)


def random_fill_mask(tokenizer, device: str | None = None):
    """The fill-mask pipeline on a small BERT with random weights, body and head."""
    model = random_model(BertForMaskedLM, device=device)
    return pipeline("fill-mask", model=model, tokenizer=tokenizer, device=model.device)


def random_zero_shot(tokenizer, device: str | None = None):
    """Zero-shot classification on a small DistilBERT with random weights (body and 3-way
    NLI head alike)."""
    id2label = {0: "entailment", 1: "neutral", 2: "contradiction"}  # the pipeline reads
    model = random_model(DistilBertForSequenceClassification, device=device,  # "entailment"
                         id2label=id2label, label2id={v: k for k, v in id2label.items()})
    return pipeline("zero-shot-classification", model=model, tokenizer=tokenizer,
                    device=model.device)
# --8<-- [end:text_tasks]


# --8<-- [start:vision_audio_tasks]
# Needs: random_models.py:random_model
import json
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from transformers import (
    ViTForImageClassification,
    ViTImageProcessorPil,
    Wav2Vec2CTCTokenizer,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForCTC,
    pipeline,
)


def random_image_classifier(device: str | None = None, num_labels: int = 3):
    """Image classification on a small ViT with random weights and placeholder labels."""
    id2label = {i: f"RANDOM_CLASS_{i}" for i in range(num_labels)}
    model = random_model(ViTForImageClassification, device=device, id2label=id2label,
                         label2id={v: k for k, v in id2label.items()})
    # resize to 224 x 224, scale to [0, 1], normalise with mean and std 0.5, as the real one
    processor = ViTImageProcessorPil(size={"height": 224, "width": 224})
    return pipeline("image-classification", model=model, image_processor=processor,
                    device=model.device)


def character_tokenizer() -> Wav2Vec2CTCTokenizer:
    """A CTC tokenizer of 32 entries: 4 special tokens, "|" between words, 26 letters and '."""
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4}
    vocab |= {char: 5 + i for i, char in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ'")}
    with tempfile.TemporaryDirectory() as folder:  # the tokenizer reads its vocabulary file
        path = Path(folder) / "vocab.json"
        path.write_text(json.dumps(vocab))
        return Wav2Vec2CTCTokenizer(str(path))


def random_speech_recognizer(device: str | None = None):
    """Speech recognition (CTC) on a small Wav2Vec2 with random weights."""
    model = random_model(Wav2Vec2ForCTC, device=device)
    features = Wav2Vec2FeatureExtractor(sampling_rate=16_000, do_normalize=True)  # as the real
    return pipeline("automatic-speech-recognition", model=model, tokenizer=character_tokenizer(),
                    feature_extractor=features, device=model.device)


def striped_image(size: int = 256) -> Image.Image:
    """A test picture: red, green and blue stripes."""
    pixels = np.zeros((size, size, 3), dtype=np.uint8)
    for channel in range(3):
        pixels[:, channel * size // 3 : (channel + 1) * size // 3, channel] = 255
    return Image.fromarray(pixels)


def tone(seconds: float = 1.0, frequency: float = 440.0, sampling_rate: int = 16_000):
    """A test sound: a sine wave, as float32 samples."""
    t = np.arange(int(seconds * sampling_rate)) / sampling_rate
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
# --8<-- [end:vision_audio_tasks]
