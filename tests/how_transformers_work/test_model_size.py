import pytest
import torch
from transformers import (
    BertConfig,
    BertModel,
    DistilBertConfig,
    DistilBertModel,
    GPT2LMHeadModel,
    T5Config,
)

from snippets.how_transformers_work.model_size import (
    bert_parameters,
    llama_parameters,
    numel,
    parameters_from_config,
)
from snippets.models import tiny_llama
from snippets.random_models import random_model


def test_smollm2_count_from_config_equals_numel_with_tied_embeddings(smollm2):
    model, _ = smollm2
    parts = llama_parameters(model.config)
    assert parts["lm_head"] == 0 and model.config.tie_word_embeddings
    assert sum(parts.values()) == numel(model) == 134_515_008
    assert parts["embedding"] == 49152 * 576


def test_minilm_count_from_config_equals_numel(minilm):
    model, _ = minilm
    assert sum(bert_parameters(model.config).values()) == numel(model) == 22_713_216


@pytest.mark.parametrize("overrides", [{}, dict(tie_word_embeddings=False),
                                       dict(attention_bias=True, mlp_bias=True, head_dim=8)])
def test_llama_count_follows_every_option(device, overrides):
    model = tiny_llama(device=device.type, **overrides)
    assert sum(parameters_from_config(model.config).values()) == numel(model)


@pytest.mark.parametrize("model_class", [BertModel, GPT2LMHeadModel, DistilBertModel])
def test_small_random_models_count_from_config_equals_numel(device, model_class):
    model = random_model(model_class, device=device.type)
    assert sum(parameters_from_config(model.config).values()) == numel(model)


def test_full_size_bert_and_distilbert_as_published():
    with torch.device("meta"):  # shapes only: no memory, no time
        bert, distilbert = BertModel(BertConfig()), DistilBertModel(DistilBertConfig())
    assert sum(parameters_from_config(bert.config).values()) == numel(bert) == 109_482_240
    assert sum(parameters_from_config(distilbert.config).values()) == numel(distilbert)
    assert numel(distilbert) == 66_362_880  # the "66M" of the DistilBERT paper


def test_bert_without_pooler():
    with torch.device("meta"):
        model = BertModel(BertConfig(), add_pooling_layer=False)
    assert sum(bert_parameters(model.config, pooler=False).values()) == numel(model)


def test_an_architecture_without_a_counter_is_refused():
    with pytest.raises(ValueError, match=r"no parameter count for 't5'; known: \['bert'"):
        parameters_from_config(T5Config())


def test_the_embedding_is_a_fifth_of_smollm2_and_nearly_all_of_the_small_models(smollm2, device):
    model, _ = smollm2
    parts = parameters_from_config(model.config)
    assert 0.2 < parts["embedding"] / numel(model) < 0.25
    for model_class in (BertModel, GPT2LMHeadModel, DistilBertModel):
        small = random_model(model_class, device=device.type)
        assert parameters_from_config(small.config)["embedding"] / numel(small) > 0.9


def test_the_pooler_is_what_the_four_main_parts_leave_out_of_bert(minilm):
    # The lesson's table shows embedding, attention and mlp, then "norms and pooler": for BERT
    # the pooler is a dense layer on [CLS], d_model^2 + d_model.
    main = ("embedding", "attention", "mlp", "norms")
    model, _ = minilm
    with torch.device("meta"):
        bert = BertModel(BertConfig())
    for m, pooler in ((bert, 590_592), (model, 147_840)):
        parts = parameters_from_config(m.config)
        assert parts["pooler"] == pooler == numel(m.pooler)
        assert numel(m) - sum(parts[part] for part in main) == pooler
