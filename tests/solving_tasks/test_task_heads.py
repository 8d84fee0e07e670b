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
    assert head == model.transformer.wte.weight.numel() == 50257 * 768  # the embedding matrix
    with torch.device("meta"):  # the same model with a head of its own: the lesson's count
        untied = GPT2LMHeadModel(GPT2Config(tie_word_embeddings=False))
    assert sum(p.numel() for p in untied.parameters()) == total + head == 163_037_184


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


def test_heads_on_one_body_share_the_bodys_weight_tensors(device):
    from transformers import BertModel

    from snippets.solving_tasks.task_heads import heads_on_one_body

    body = random_model(BertModel, device=device.type)
    classes = [BertForSequenceClassification, BertForTokenClassification,
               BertForQuestionAnswering]
    models = heads_on_one_body(body, classes)
    assert list(models) == [c.__name__ for c in classes]
    body_tensors = {name: p for name, p in body.named_parameters()}
    for model in models.values():
        assert model.bert is body
        # every weight of the body is the very same tensor in the model: one copy in memory
        for name, tensor in model.bert.named_parameters():
            assert tensor is body_tensors[name]
            assert tensor.data_ptr() == body_tensors[name].data_ptr()
        # and the model holds nothing else but its head: the body it built was swapped out
        head_size = sum(p.numel() for m in task_head(model).values() for p in m.parameters())
        assert sum(p.numel() for p in model.parameters()) == \
            sum(p.numel() for p in body.parameters()) + head_size
        assert not model.training
    # a change to the body through one model is seen by the others
    with torch.no_grad():
        models["BertForTokenClassification"].bert.embeddings.word_embeddings.weight[0, 0] = 7.0
    assert models["BertForQuestionAnswering"].bert.embeddings.word_embeddings.weight[0, 0] == 7.0
    assert body.embeddings.word_embeddings.weight[0, 0] == 7.0


def test_each_head_reads_the_shared_bodys_output(device):
    from transformers import BertModel

    from snippets.solving_tasks.task_heads import heads_on_one_body

    body = random_model(BertModel, device=device.type)
    models = heads_on_one_body(body, [BertForSequenceClassification, BertForTokenClassification,
                                      BertForQuestionAnswering])
    input_ids = torch.tensor([[101, 2002, 2253, 2000, 2902, 102]], device=device)
    with torch.no_grad():
        hidden = body(input_ids)
        sequence = models["BertForSequenceClassification"](input_ids).logits
        tokens = models["BertForTokenClassification"](input_ids).logits
        qa = models["BertForQuestionAnswering"](input_ids)
        torch.testing.assert_close(sequence, models["BertForSequenceClassification"].classifier(
            hidden.pooler_output))
        torch.testing.assert_close(tokens, models["BertForTokenClassification"].classifier(
            hidden.last_hidden_state))
        start, end = models["BertForQuestionAnswering"].qa_outputs(
            hidden.last_hidden_state).unbind(-1)
        torch.testing.assert_close(qa.start_logits, start)
        torch.testing.assert_close(qa.end_logits, end)
    # the same seed gives the same new head; the heads of different classes differ in shape
    again = heads_on_one_body(body, [BertForTokenClassification])
    assert torch.equal(again["BertForTokenClassification"].classifier.weight,
                       models["BertForTokenClassification"].classifier.weight)


def test_heads_on_one_body_refuse_a_class_of_another_architecture(device):
    from transformers import BertModel

    from snippets.solving_tasks.task_heads import heads_on_one_body

    body = random_model(BertModel, device=device.type)
    with pytest.raises(ValueError, match="GPT2LMHeadModel does not fit a bert body"):
        heads_on_one_body(body, [GPT2LMHeadModel])


def test_the_lessons_three_heads_on_minilm_are_one_body(minilm):
    from snippets.solving_tasks.task_heads import describe_head, heads_on_one_body

    model, tokenizer = minilm
    models = heads_on_one_body(model, [BertForSequenceClassification,
                                       BertForTokenClassification, BertForQuestionAnswering])
    shared = model.embeddings.word_embeddings.weight
    assert all(m.bert.embeddings.word_embeddings.weight is shared for m in models.values())
    assert [describe_head(m) for m in models.values()] == [
        "classifier: Linear(384 -> 2)", "classifier: Linear(384 -> 2)",
        "qa_outputs: Linear(384 -> 2)"]
    batch = tokenizer("where did he go?", "he went to hospital yesterday",
                      return_tensors="pt").to(model.device)
    assert batch["input_ids"].shape == (1, 13)
    with torch.no_grad():
        assert output_shapes(models["BertForQuestionAnswering"](**batch)) == {
            "start_logits": (1, 13), "end_logits": (1, 13)}


def test_a_tied_head_on_the_shared_body_reads_the_bodys_own_embedding(device):
    from transformers import BertForMaskedLM, BertModel

    from snippets.solving_tasks.task_heads import heads_on_one_body

    body = random_model(BertModel, device=device.type)
    model = heads_on_one_body(body, [BertForMaskedLM])["BertForMaskedLM"]
    assert model.cls.predictions.decoder.weight is body.embeddings.word_embeddings.weight
