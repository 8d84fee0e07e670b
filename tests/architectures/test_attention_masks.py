import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from transformers import BartForConditionalGeneration  # noqa: E402

from snippets.architectures.attention_masks import (  # noqa: E402
    bidirectional_mask,
    causal_mask,
    causal_mask_loop,
    changed_positions,
    cross_attention_mask,
    plot_matrix,
)
from snippets.attention.self_attention import future_mask  # noqa: E402
from snippets.random_models import random_model  # noqa: E402


def test_the_three_masks():
    assert bidirectional_mask(3).all() and bidirectional_mask(3).shape == (3, 3)
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False],
                                       [True, True, True]]
    assert torch.equal(causal_mask_loop(7), causal_mask(7))
    assert torch.equal(causal_mask(6), ~future_mask(6))  # lesson 10's mask marks the hidden
    assert cross_attention_mask(2, 5).shape == (2, 5) and cross_attention_mask(2, 5).all()
    # boolean, as scaled_dot_product_attention reads "may attend": a float mask is added
    # to the scores instead
    for mask in (bidirectional_mask(3), causal_mask_loop(3), causal_mask(3),
                 cross_attention_mask(2, 5)):
        assert mask.dtype == torch.bool


def test_the_causal_mask_is_what_torch_applies_with_is_causal(device):
    torch.manual_seed(0)
    q, k, v = torch.randn(3, 1, 2, 6, 8, device=device)
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    ours = torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=causal_mask(6).to(device))
    torch.testing.assert_close(ours, expected)


def test_smollm2_attends_exactly_where_the_causal_mask_allows(smollm2_eager):
    model, tokenizer = smollm2_eager
    ids = tokenizer("he went to hospital yesterday", return_tensors="pt").input_ids
    with torch.no_grad():
        attentions = model(ids.to(model.device), output_attentions=True).attentions
    weights = torch.stack(attentions)[:, 0]  # (layers, heads, n, n)
    allowed = causal_mask(ids.shape[1]).to(model.device)
    assert (weights[..., ~allowed] == 0).all() and (weights[..., allowed] > 0).all()


def test_an_encoder_output_changes_everywhere_a_decoders_only_after_the_change(minilm, smollm2):
    encoder, bert_tokenizer = minilm
    decoder, tokenizer = smollm2
    outputs = {}
    for word in ("yesterday", "tomorrow"):
        text = f"he went to hospital {word}"
        with torch.no_grad():
            outputs[word, "encoder"] = encoder(**bert_tokenizer(text, return_tensors="pt").to(
                encoder.device)).last_hidden_state
            outputs[word, "decoder"] = decoder(**tokenizer(text, return_tensors="pt").to(
                decoder.device), output_hidden_states=True).hidden_states[-1]
    # MiniLM: [CLS] he went to hospital <word> [SEP]; SmolLM2: he went to hospital <word>
    assert changed_positions(outputs["yesterday", "encoder"], outputs["tomorrow", "encoder"]) == \
        [True] * 7
    assert changed_positions(outputs["yesterday", "decoder"], outputs["tomorrow", "decoder"]) == \
        [False] * 4 + [True]


def test_an_encoder_decoder_sees_all_the_source_and_the_targets_past(device):
    model = random_model(BartForConditionalGeneration, device=device.type)
    source = torch.tensor([[5, 6, 7, 8]], device=device)
    target = torch.tensor([[2, 9, 10, 11]], device=device)
    new_source_end, new_target_start, new_target_end = (
        source.clone(), target.clone(), target.clone())
    new_source_end[0, -1] = new_target_start[0, 0] = new_target_end[0, -1] = 99
    with torch.no_grad():
        base = model(input_ids=source, decoder_input_ids=target).logits
        changed = {name: changed_positions(base, model(input_ids=s, decoder_input_ids=t).logits)
                   for name, s, t in [("source end", new_source_end, target),
                                      ("target start", source, new_target_start),
                                      ("target end", source, new_target_end)]}
    assert changed == {"source end": [True] * 4,  # cross-attention sees the whole source
                       "target start": [True] * 4,  # every later target token sees the first
                       "target end": [False, False, False, True]}  # but none sees the future


def test_changed_positions_counts_a_change_larger_than_atol_only():
    before = torch.zeros(1, 3, 2, 2)
    after = before.clone()
    after[0, 1, 1, 0] = 2e-4  # above the default atol, 1e-4
    after[0, 2, 0, 1] = -5e-5  # below it
    assert changed_positions(before, after) == [False, True, False]
    assert changed_positions(before, after, atol=0.5) == [False, False, False]
    after[0, 0, 0, 0] = 0.5  # exactly atol is no change
    assert changed_positions(before, after, atol=0.5) == [False, False, False]


def test_changed_positions_needs_equal_shapes():
    with pytest.raises(ValueError, match=r"outputs of shapes \(1, 2, 3\) and \(1, 3, 3\)"):
        changed_positions(torch.zeros(1, 2, 3), torch.zeros(1, 3, 3))


def test_plot_matrix_draws_masks_as_integers_and_weights_as_decimals():
    fig, (ax_1, ax_2) = plt.subplots(1, 2)
    plot_matrix(causal_mask(2), ["a", "b"], ["a", "b"], ax=ax_1)
    assert [t.get_text() for t in ax_1.texts] == ["1", "0", "1", "1"]
    plot_matrix(torch.tensor([[0.25, 0.75, 0.0]]), ["q"], ["x", "y", "z"], ax=ax_2, title="w")
    assert [t.get_text() for t in ax_2.texts] == ["0.25", "0.75", "0.00"]
    assert [t.get_text() for t in ax_2.get_xticklabels()] == ["x", "y", "z"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"values has shape \(2, 2\).*\(1, 2\)"):
        plot_matrix(causal_mask(2), ["a"], ["a", "b"])
