import json

import matplotlib
import pytest
import torch
from transformers import pipeline

from snippets.models import minilm_checkpoint
from snippets.nlp_and_llms.embeddings import (
    cosine_similarities,
    mean_pooling_loop,
    pool_tokens,
    pooling_config,
    sentence_embeddings,
    similarity_heatmap,
)

matplotlib.use("Agg")


def test_minilm_ships_mean_pooling_normalised_and_256_tokens():
    try:
        checkpoint = minilm_checkpoint()
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    assert pooling_config(checkpoint) == {"mode": "mean", "normalize": True, "max_length": 256}


def test_a_pooling_config_with_two_modes_is_refused(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": True}))
    (tmp_path / "modules.json").write_text("[]")
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    with pytest.raises(ValueError, match="expected exactly one of"):
        pooling_config(tmp_path)


def test_mean_pooling_loop_equals_the_vectorised_pool_and_ignores_padding(device):
    torch.manual_seed(0)
    hidden = torch.randn(3, 5, 8, device=device)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0]], device=device)
    mean = pool_tokens(hidden, mask, "mean")
    torch.testing.assert_close(mean, mean_pooling_loop(hidden, mask))
    torch.testing.assert_close(mean[1], hidden[1, :2].mean(0))
    torch.testing.assert_close(pool_tokens(hidden, mask, "max")[2], hidden[2, :3].max(0).values)
    torch.testing.assert_close(pool_tokens(hidden, mask, "cls"), hidden[:, 0])
    with pytest.raises(ValueError, match="mode must be one of 'mean', 'max', 'cls', got 'sum'"):
        pool_tokens(hidden, mask, "sum")


def test_sentence_embeddings_are_the_pipelines_token_vectors_averaged(minilm):
    model, tokenizer = minilm
    config = pooling_config(minilm_checkpoint())
    sentences = ["I love you.", "A man is eating a piece of bread on a bench in the park."]
    together = sentence_embeddings(model, tokenizer, sentences, config)
    assert together.shape == (2, 384)
    torch.testing.assert_close(together.norm(dim=-1), torch.ones(2, device=together.device))
    extractor = pipeline("feature-extraction", model=model, tokenizer=tokenizer,
                         device=model.device)
    for sentence, embedding in zip(sentences, together, strict=True):
        tokens = torch.tensor(extractor(sentence)[0])  # (num_tokens, 384), no padding
        expected = torch.nn.functional.normalize(tokens.mean(0), dim=0)
        torch.testing.assert_close(embedding.cpu(), expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="non-empty list of non-empty texts"):
        sentence_embeddings(model, tokenizer, ["fine", " "], config)


def test_cosine_similarities_equal_torch_cosine_similarity(device):
    torch.manual_seed(1)
    embeddings = torch.randn(4, 6, device=device)
    expected = torch.nn.functional.cosine_similarity(embeddings[:, None], embeddings[None], dim=-1)
    torch.testing.assert_close(cosine_similarities(embeddings), expected)


def test_heatmap_writes_every_value_and_checks_the_shape():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    similarity_heatmap(torch.eye(3), ["a", "b", "c"], ax=ax)
    assert [t.get_text() for t in ax.texts][:2] == ["1.00", "0.00"] and len(ax.texts) == 9
    with pytest.raises(ValueError, match=r"shape \(3, 3\): it must be \(2, 2\)"):
        similarity_heatmap(torch.eye(3), ["a", "b"], ax=ax)
    plt.close("all")


def test_the_orderings_lesson_02_describes(minilm):
    model, tokenizer = minilm
    sentences = ["I love you.", "I hate you.", "I adore you.", "You mean the world to me.",
                 "I don't love you.", "The train leaves at noon."]
    config = pooling_config(minilm_checkpoint())
    similarities = cosine_similarities(sentence_embeddings(model, tokenizer, sentences, config))
    hate, adore, world, negation, train = similarities[0, 1:].tolist()  # "I love you." against
    assert negation > max(hate, adore)  # its own negation is the closest
    assert abs(hate - adore) < 0.05  # "I hate you" and "I adore you" about equally close
    assert world - train < min(hate, adore) - world  # nearer the unrelated sentence's score
    assert similarities[5, :5].abs().max() < 0.1  # the train is far from all the others


def test_the_houseplant_query_finds_the_fern_sentence(minilm):
    model, tokenizer = minilm  # lesson 02: a question finds the sentence that answers it
    query = "How do I keep my houseplants alive?"
    documents = ["Water the fern once a week and keep it out of direct sun.",
                 "The stock market fell sharply on Monday.",
                 "Our team won the final match in extra time.",
                 "Preheat the oven before baking the bread."]
    vectors = sentence_embeddings(model, tokenizer, [query] + documents,
                                  pooling_config(minilm_checkpoint()))
    similarity = cosine_similarities(vectors)[0, 1:]
    assert similarity.argmax() == 0 and similarity[0] > 2 * similarity[1:].max()
