import pytest
from transformers import DistilBertForSequenceClassification, pipeline

from snippets.models import minilm_checkpoint
from snippets.random_models import random_model
from snippets.what_transformers_can_do.pipeline_steps import (
    classify_forward,
    classify_postprocess,
    classify_preprocess,
    generate_forward,
    generate_postprocess,
    generate_preprocess,
)
from snippets.what_transformers_can_do.pipelines import text_generator

TEXTS = ["I've been waiting for a HuggingFace course my whole life.", "I hate this so much!"]


def test_three_classification_steps_give_the_pipelines_result(device):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(minilm_checkpoint())
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    id2label = {0: "RANDOM_NEGATIVE", 1: "RANDOM_POSITIVE"}
    model = random_model(DistilBertForSequenceClassification, device=device.type,
                         id2label=id2label, label2id={v: k for k, v in id2label.items()})
    classifier = pipeline("text-classification", model=model, tokenizer=tokenizer,
                          device=model.device)
    for text in TEXTS:
        inputs = classify_preprocess(tokenizer, text, model.device)
        assert inputs["input_ids"].device.type == device.type
        ours = classify_postprocess(classify_forward(model, inputs), model.config.id2label)
        assert ours == classifier(text, top_k=None)  # labels and scores, to the last bit
        assert ours[0] == classifier(text)[0] and ours[0]["score"] > ours[1]["score"]
        # random weights of standard deviation 0.02: logits near 0, scores near 1/2
        assert model.config.initializer_range == 0.02
        assert classify_forward(model, inputs).abs().max() < 0.05


def test_three_generation_steps_give_exactly_the_pipelines_reply(smollm2):
    model, tokenizer = smollm2
    messages = [{"role": "user", "content": "Give me a tip for learning to code."}]
    inputs = generate_preprocess(tokenizer, messages, model.device)
    # the template adds SmolLM2's own system message: 39 token ids for a 9-word question
    assert tokenizer.decode(inputs["input_ids"][0]) == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
        "Face<|im_end|>\n<|im_start|>user\nGive me a tip for learning to code.<|im_end|>\n"
        "<|im_start|>assistant\n") == tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False)
    assert inputs["input_ids"].shape == (1, 39)
    output_ids = generate_forward(model, inputs, max_new_tokens=20)
    ours = generate_postprocess(tokenizer, inputs, output_ids)
    generator = text_generator(model, tokenizer)
    theirs = generator(messages, max_new_tokens=20, do_sample=False, return_full_text=False)
    assert ours == theirs[0]["generated_text"] and len(ours) > 20
