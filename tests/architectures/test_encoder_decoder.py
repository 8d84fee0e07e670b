import torch
from transformers import BartForConditionalGeneration

from snippets.architectures.attention_masks import changed_positions
from snippets.architectures.encoder_decoder import (
    capture_cross_attention,
    cross_attention,
    decoder_logits,
    encoder_decoder_steps,
)
from snippets.random_models import random_model


def small_bart(device):
    return random_model(BartForConditionalGeneration, device=device.type,
                        attn_implementation="eager")


def test_the_steps_of_one_forward_pass_are_what_each_part_computes(device):
    model = small_bart(device)
    source = torch.tensor([[5, 6, 7, 8, 9]], device=device)
    target = torch.tensor([[2, 10, 11]], device=device)
    steps = encoder_decoder_steps(model, source, target)
    shapes = {name: tuple(t.shape) for name, t in steps.items()}
    assert shapes["4. encoder output: the source's representation"] == (1, 5, 64)
    assert shapes["7. decoder layer 1: cross-attention weights (to the source)"] == (1, 4, 3, 5)
    assert shapes["7. decoder layer 0: self-attention weights (causal)"] == (1, 4, 3, 3)
    assert len(steps) == 2 + 2 * 2 + 1 + 2 + 3 * 2 + 1  # two layers on each side
    encoder, decoder = model.get_encoder(), model.get_decoder()
    with torch.no_grad():  # each step recomputed from the one before, with the model's parts
        embedded = encoder.layernorm_embedding(encoder.embed_tokens(source)
                                               + encoder.embed_positions(source))
        torch.testing.assert_close(
            steps["2. encoder input (token + position embeddings, layer-normed)"], embedded)
        layer_0 = encoder.layers[0](embedded, attention_mask=None)
        torch.testing.assert_close(steps["3. encoder layer 0: output"], layer_0)
        torch.testing.assert_close(steps["4. encoder output: the source's representation"],
                                   encoder.layers[1](layer_0, attention_mask=None))
        target_embedded = decoder.layernorm_embedding(decoder.embed_tokens(target)
                                                      + decoder.embed_positions(target))
        torch.testing.assert_close(
            steps["6. decoder input (token + position embeddings, layer-normed)"],
            target_embedded)
        logits = model.lm_head(steps["7. decoder layer 1: output"]) + model.final_logits_bias
        torch.testing.assert_close(
            steps["8. logits: a score per vocabulary entry per target position"], logits)
    causal = steps["7. decoder layer 0: self-attention weights (causal)"][0]
    past = torch.ones(3, 3, dtype=torch.bool, device=device).tril()
    assert (causal[:, ~past] == 0).all() and (causal[:, past] > 0).all()  # the past only
    cross = steps["7. decoder layer 0: cross-attention weights (to the source)"]
    assert (cross > 0).all()  # every target token sees every source token


def test_changing_a_source_token_reaches_every_target_position_a_target_token_only_later(device):
    from snippets.architectures.attention_masks import changed_positions

    model = small_bart(device)
    source = torch.tensor([[5, 6, 7, 8]], device=device)
    target = torch.tensor([[2, 10, 11, 12, 13]], device=device)
    with torch.no_grad():
        base = model(input_ids=source, decoder_input_ids=target).logits
        for position in (0, -1):  # the first, then the last source token
            other = source.clone()
            other[0, position] += 100
            changed = model(input_ids=other, decoder_input_ids=target).logits
            assert changed_positions(base, changed) == [True] * 5
        for position, expected in ((4, [False] * 4 + [True]), (2, [False] * 2 + [True] * 3)):
            other = target.clone()
            other[0, position] += 100
            changed = model(input_ids=source, decoder_input_ids=other).logits
            assert changed_positions(base, changed) == expected


def test_cross_attention_from_scratch_equals_barts(device):
    model = small_bart(device)
    source = torch.tensor([[5, 6, 7, 8, 9, 10]], device=device)
    target = torch.tensor([[2, 12, 13, 14]], device=device)
    for layer in (0, 1):
        captured = capture_cross_attention(model, layer, input_ids=source,
                                           decoder_input_ids=target)
        assert captured["encoder_states"].shape == (1, 6, 64)
        with torch.no_grad():
            output, weights = cross_attention(model.get_decoder().layers[layer].encoder_attn,
                                              captured["decoder_states"],
                                              captured["encoder_states"])
        torch.testing.assert_close(output, captured["output"])
        torch.testing.assert_close(weights, captured["weights"])
        steps = encoder_decoder_steps(model, source, target)
        torch.testing.assert_close(
            weights, steps[f"7. decoder layer {layer}: cross-attention weights (to the source)"])


def test_the_hook_is_removed_after_capturing(device):
    model = small_bart(device)
    capture_cross_attention(model, 0, input_ids=torch.tensor([[5, 6]], device=device),
                            decoder_input_ids=torch.tensor([[2]], device=device))
    assert not model.get_decoder().layers[0].encoder_attn._forward_hooks


def test_the_decoder_given_the_encoders_output_computes_what_the_whole_model_does(device):
    model = small_bart(device)
    source = torch.tensor([[5, 6, 7, 8]], device=device)
    target = torch.tensor([[2, 10, 11, 12, 13]], device=device)
    with torch.no_grad():
        encoder_states = model.get_encoder()(input_ids=source).last_hidden_state
        whole = model(input_ids=source, decoder_input_ids=target).logits
    torch.testing.assert_close(decoder_logits(model, encoder_states, target), whole)
    padded = torch.tensor([[1, 1, 1, 0]], device=device)
    with torch.no_grad():
        masked = model(input_ids=source, attention_mask=padded, decoder_input_ids=target).logits
    # the whole model's mask also hides the position from the encoder: compare the decoder
    # alone with the encoder's masked output
    with torch.no_grad():
        masked_states = model.get_encoder()(input_ids=source,
                                            attention_mask=padded).last_hidden_state
    torch.testing.assert_close(decoder_logits(model, masked_states, target, padded), masked)


def test_one_source_position_of_the_encoders_output_reaches_every_target_unless_hidden(device):
    model = small_bart(device)
    source = torch.tensor([[5, 6, 7, 8]], device=device)
    target = torch.tensor([[2, 10, 11, 12, 13]], device=device)
    with torch.no_grad():
        encoder_states = model.get_encoder()(input_ids=source).last_hidden_state
    base = decoder_logits(model, encoder_states, target)
    hide_last = torch.tensor([[1, 1, 1, 0]], device=device)
    base_hidden = decoder_logits(model, encoder_states, target, hide_last)
    for position in range(4):
        nudged = encoder_states.clone()
        nudged[0, position] += 1.0  # one position's vector, the others exactly as they were
        assert changed_positions(base, decoder_logits(model, nudged, target)) == [True] * 5
        hidden = changed_positions(base_hidden, decoder_logits(model, nudged, target, hide_last))
        assert hidden == [position != 3] * 5  # a hidden position reaches no target
    # a change of one source token, by contrast, changes every encoder output
    other = source.clone()
    other[0, 0] += 100
    with torch.no_grad():
        other_states = model.get_encoder()(input_ids=other).last_hidden_state
    assert changed_positions(encoder_states, other_states) == [True] * 4
