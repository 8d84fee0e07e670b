import pytest
import torch
from transformers import (
    BartForConditionalGeneration,
    BertForMaskedLM,
    BertModel,
    DistilBertForSequenceClassification,
    GPT2LMHeadModel,
    LlamaForCausalLM,
    Mask2FormerForUniversalSegmentation,
    T5ForConditionalGeneration,
    ViTForImageClassification,
    Wav2Vec2ForCTC,
)

from snippets.models import minilm_checkpoint
from snippets.random_models import REAL_CHECKPOINTS, SMALL_CONFIGS, random_model


def test_every_small_architecture_names_its_real_checkpoint():
    assert set(REAL_CHECKPOINTS) == set(SMALL_CONFIGS)


def test_the_mask2former_checkpoint_is_one_for_semantic_segmentation():
    # lesson 06 turns Mask2Former's queries into a class per pixel (semantic segmentation);
    # an instance-segmentation checkpoint (coco-instance) would need other post-processing
    assert REAL_CHECKPOINTS["mask2former"].startswith("facebook/mask2former-")
    assert REAL_CHECKPOINTS["mask2former"].endswith("-semantic")


@pytest.mark.parametrize(("model_class", "inputs", "output", "shape"), [
    (BertForMaskedLM, dict(input_ids=torch.tensor([[101, 7592, 102]])), "logits", (1, 3, 30522)),
    (DistilBertForSequenceClassification, dict(input_ids=torch.tensor([[101, 102]])),
     "logits", (1, 2)),
    (GPT2LMHeadModel, dict(input_ids=torch.tensor([[5, 6, 7, 8]])), "logits", (1, 4, 49152)),
    (BartForConditionalGeneration, dict(input_ids=torch.tensor([[5, 6, 7]]),
                                        decoder_input_ids=torch.tensor([[2, 9]])),
     "logits", (1, 2, 49152)),
    (T5ForConditionalGeneration, dict(input_ids=torch.tensor([[5, 6, 7]]),
                                      decoder_input_ids=torch.tensor([[2, 9]])),
     "logits", (1, 2, 49152)),
    (ViTForImageClassification, dict(pixel_values=torch.randn(1, 3, 224, 224)), "logits",
     (1, 2)),
    # 1 s of 16 kHz audio through convolutions of kernels (10, 8, 8) and strides (5, 4, 4):
    # 16000 -> 3199 -> 798 -> 198 frames, each with scores for the 32 characters
    (Wav2Vec2ForCTC, dict(input_values=torch.randn(1, 16000)), "logits", (1, 198, 32)),
    # 8 object queries, each with class scores (num_labels + "no object") and a mask at 1/4
    (Mask2FormerForUniversalSegmentation, dict(pixel_values=torch.randn(1, 3, 64, 64)),
     "masks_queries_logits", (1, 8, 16, 16)),
])
def test_small_models_take_the_real_inputs_and_give_the_real_output_shapes(
        device, model_class, inputs, output, shape):
    model = random_model(model_class, device=device.type)
    assert model.device.type == device.type and not model.training
    assert sum(p.numel() for p in model.parameters()) < 4_000_000  # small enough for a CPU
    with torch.no_grad():
        outputs = model(**{name: tensor.to(device) for name, tensor in inputs.items()})
    assert tuple(getattr(outputs, output).shape) == shape


def test_the_same_seed_gives_the_same_weights_and_another_seed_others():
    a, b, c = (random_model(BertModel, seed=seed) for seed in (1, 1, 2))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.embeddings.word_embeddings.weight, c.embeddings.word_embeddings.weight)


def test_overrides_change_the_configuration():
    model = random_model(BertModel, num_hidden_layers=3, hidden_size=32)
    assert len(model.encoder.layer) == 3 and model.config.hidden_size == 32


def test_the_bert_vocabulary_is_the_one_of_the_real_wordpiece_tokenizer():
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(minilm_checkpoint())
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    assert len(tokenizer) == SMALL_CONFIGS["bert"]["vocab_size"]


def test_an_architecture_without_a_small_configuration_is_refused():
    with pytest.raises(ValueError, match=r"no small configuration for 'llama'; known: \['bart'"):
        random_model(LlamaForCausalLM)


def test_the_real_counterpart_asks_the_hub_for_the_named_checkpoint(monkeypatch):
    """Offline, the Hub cannot answer; the request it got names the real checkpoint."""
    from transformers import AutoConfig

    from snippets.random_models import real_model

    asked = []
    real_from_pretrained = AutoConfig.from_pretrained

    def spy(name, *args, **kwargs):
        asked.append(str(name))
        return real_from_pretrained(name, *args, **kwargs)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(AutoConfig, "from_pretrained", spy)
    with pytest.raises(OSError, match="offline mode"):
        real_model(BertForMaskedLM)
    assert asked == ["google-bert/bert-base-uncased"]
    with pytest.raises(ValueError, match="name a checkpoint for 'llama'"):
        real_model(LlamaForCausalLM)


def test_the_real_counterpart_loads_a_local_checkpoint_of_the_same_architecture(device):
    from transformers import BertModel as Bert

    from snippets.random_models import real_model

    try:
        model = real_model(Bert, minilm_checkpoint(), device=device.type)
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    assert model.config.hidden_size == 384 and not model.training
    with pytest.raises(ValueError, match="is not a gpt2 checkpoint"):
        real_model(GPT2LMHeadModel, minilm_checkpoint())


def test_barts_start_token_is_not_its_padding_token():
    """As in facebook/bart-large (bos 0, pad 1, eos 2, decoder start 2): the decoder's first
    input, the start token, has an embedding of its own, not the all-zero padding row."""
    config = SMALL_CONFIGS["bart"]
    assert (config["bos_token_id"], config["pad_token_id"], config["eos_token_id"],
            config["decoder_start_token_id"]) == (0, 1, 2, 2)
    model = random_model(BartForConditionalGeneration)
    embedding = model.get_decoder().embed_tokens
    assert embedding.padding_idx == 1
    assert not torch.equal(embedding.weight[2], torch.zeros_like(embedding.weight[2]))
    assert torch.equal(embedding.weight[1], torch.zeros_like(embedding.weight[1]))
