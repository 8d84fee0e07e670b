import torch
from transformers import BartForConditionalGeneration

from snippets.encoder_decoder import capture_cross_attention, cross_attention, encoder_decoder_steps
from snippets.random_models import random_model


def small_bart(device):
    return random_model(BartForConditionalGeneration, device=device.type,
                        attn_implementation="eager")


def test_the_steps_of_one_forward_pass_have_the_expected_shapes(device):
    model = small_bart(device)
    source = torch.tensor([[5, 6, 7, 8, 9]], device=device)
    target = torch.tensor([[2, 10, 11]], device=device)
    steps = encoder_decoder_steps(model, source, target)
    shapes = {name: tuple(t.shape) for name, t in steps.items()}
    assert shapes["4. encoder output: the source's representation"] == (1, 5, 64)
    assert shapes["7. decoder layer 1: cross-attention weights (to the source)"] == (1, 4, 3, 5)
    assert shapes["7. decoder layer 0: self-attention weights (causal)"] == (1, 4, 3, 3)
    assert shapes["8. logits: a score per vocabulary entry per target position"] == (1, 3, 49152)
    assert len(steps) == 2 + 2 * 2 + 1 + 2 + 3 * 2 + 1  # two layers on each side
    causal = steps["7. decoder layer 0: self-attention weights (causal)"][0]
    assert (causal.triu(diagonal=1) == 0).all()  # no target token sees the future
    cross = steps["7. decoder layer 0: cross-attention weights (to the source)"]
    torch.testing.assert_close(cross.sum(-1), torch.ones(1, 4, 3, device=device))
    assert (cross > 0).all()  # every target token sees every source token
    with torch.no_grad():
        logits = model(input_ids=source, decoder_input_ids=target).logits
    torch.testing.assert_close(steps["8. logits: a score per vocabulary entry per target "
                                     "position"], logits)


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
