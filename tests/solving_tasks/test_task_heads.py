import pytest
import torch
from transformers import (
    BartForConditionalGeneration,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    GPT2LMHeadModel,
    Mask2FormerForUniversalSegmentation,
    Wav2Vec2ForCTC,
)

from snippets.random_models import REAL_CHECKPOINTS, random_model
from snippets.solving_tasks.task_heads import (
    TASKS,
    mean_pooling,
    output_shapes,
    summary_row,
    task_head,
)

CLASSES = [Wav2Vec2ForCTC, Mask2FormerForUniversalSegmentation, BertForSequenceClassification,
           BertForTokenClassification, BertForQuestionAnswering, GPT2LMHeadModel,
           BartForConditionalGeneration]


def test_every_model_class_of_the_lesson_has_a_task_and_a_real_checkpoint():
    assert list(TASKS) == [model_class.__name__ for model_class in CLASSES]
    assert {c.config_class.model_type for c in CLASSES} <= set(REAL_CHECKPOINTS)


@pytest.mark.parametrize(("model_class", "head"), [
    (Wav2Vec2ForCTC, {"lm_head": (32, 64)}),
    (BertForSequenceClassification, {"classifier": (2, 64)}),
    (BertForTokenClassification, {"classifier": (2, 64)}),
    (BertForQuestionAnswering, {"qa_outputs": (2, 64)}),
    (GPT2LMHeadModel, {"lm_head": (49152, 64)}),
    (BartForConditionalGeneration, {"lm_head": (49152, 64)}),
])
def test_the_head_is_a_linear_layer_on_top_of_the_base_model(device, model_class, head):
    model = random_model(model_class, device=device.type)
    found = task_head(model)
    assert {name: tuple(module.weight.shape) for name, module in found.items()} == head
    assert all(isinstance(module, torch.nn.Linear) for module in found.values())


def test_mask2formers_head_is_a_class_layer_and_a_mask_mlp_inside_the_base(device):
    from snippets.solving_tasks.task_heads import describe_head

    model = random_model(Mask2FormerForUniversalSegmentation, device=device.type)
    head = task_head(model)
    assert list(head) == ["class_predictor", "mask_embedder"]
    assert head["mask_embedder"] in set(model.model.modules())  # part of the base model
    assert describe_head(model) == ("class_predictor: Linear(32 -> 3), "
                                    "mask_embedder: MLP(32 -> 32 -> 32 -> 32)")


def test_a_language_models_head_is_large_gpt2_at_full_size(device):
    from transformers import GPT2Config

    with torch.device("meta"):  # gpt2's real size, shapes only
        model = GPT2LMHeadModel(GPT2Config())
    head = task_head(model)["lm_head"].weight.numel()
    total = sum(p.numel() for p in model.parameters())  # the tied head counts once
    assert (head, total) == (38_597_376, 124_439_808)
    assert model.lm_head.weight is model.transformer.wte.weight


def test_summary_row_names_the_model_task_outputs_and_head(device):
    model = random_model(BertForQuestionAnswering, device=device.type)
    with torch.no_grad():
        outputs = model(torch.tensor([[101, 2002, 102]], device=device))
    assert summary_row(model, outputs) == dict(
        model="BERT", task="extractive question answering",
        outputs="start_logits (1, 3), end_logits (1, 3)", head="qa_outputs: Linear(64 -> 2)")
    with pytest.raises(ValueError, match="no task for 'Linear'"):
        summary_row(torch.nn.Linear(2, 2), {})


def test_output_shapes_lists_every_tensor(device):
    model = random_model(BertForTokenClassification, device=device.type)
    with torch.no_grad():
        outputs = model(torch.tensor([[101, 2002, 2253, 102]], device=device),
                        output_hidden_states=True)
    shapes = output_shapes(outputs)
    assert shapes == {"logits": (1, 4, 2)}  # hidden_states is a tuple, not a tensor
    assert len(outputs.hidden_states) == 3


def test_mean_pooling_leaves_padding_out(device):
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]], device=device)
    mask = torch.tensor([[1, 1, 0]], device=device)
    torch.testing.assert_close(mean_pooling(hidden, mask), torch.tensor([[2.0, 3.0]],
                                                                         device=device))


def test_minilm_sentence_vectors_put_the_hospital_sentences_together(minilm):
    model, tokenizer = minilm
    sentences = ["he went to hospital yesterday", "he will go to hospital tomorrow",
                 "the stock market fell sharply"]
    batch = tokenizer(sentences, padding=True, return_tensors="pt").to(model.device)
    with torch.no_grad():
        vectors = mean_pooling(model(**batch).last_hidden_state, batch["attention_mask"])
    vectors = torch.nn.functional.normalize(vectors, dim=-1)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.8 and similarity[0, 2] < 0.2 and similarity[1, 2] < 0.2


def test_describe_head_names_each_layer_and_its_sizes(device):
    from snippets.solving_tasks.task_heads import describe_head

    assert describe_head(random_model(BertForQuestionAnswering, device=device.type)) == \
        "qa_outputs: Linear(64 -> 2)"
    assert describe_head(random_model(GPT2LMHeadModel, device=device.type)) == \
        "lm_head: Linear(64 -> 49152)"
