"""The original architecture: one forward pass of an encoder-decoder (BART), step by step."""

# --8<-- [start:forward_steps]
import torch


def encoder_decoder_steps(model, input_ids: torch.Tensor,
                          decoder_input_ids: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every intermediate tensor of one forward pass of a BART-like model, in order, by name.

    The model must use eager attention (attn_implementation="eager") to return its weights."""
    with torch.no_grad():
        out = model(input_ids=input_ids, decoder_input_ids=decoder_input_ids,
                    output_hidden_states=True, output_attentions=True)
    steps = {"1. source tokens": input_ids}
    steps["2. encoder input (token + position embeddings, layer-normed)"] = \
        out.encoder_hidden_states[0]
    for layer, weights in enumerate(out.encoder_attentions):
        steps[f"3. encoder layer {layer}: self-attention weights (bidirectional)"] = weights
        steps[f"3. encoder layer {layer}: output"] = out.encoder_hidden_states[layer + 1]
    steps["4. encoder output: the source's representation"] = out.encoder_last_hidden_state
    steps["5. target tokens so far"] = decoder_input_ids
    steps["6. decoder input (token + position embeddings, layer-normed)"] = \
        out.decoder_hidden_states[0]
    for layer, (self_w, cross_w) in enumerate(zip(out.decoder_attentions, out.cross_attentions,
                                                  strict=True)):
        steps[f"7. decoder layer {layer}: self-attention weights (causal)"] = self_w
        steps[f"7. decoder layer {layer}: cross-attention weights (to the source)"] = cross_w
        steps[f"7. decoder layer {layer}: output"] = out.decoder_hidden_states[layer + 1]
    steps["8. logits: a score per vocabulary entry per target position"] = out.logits
    return steps
# --8<-- [end:forward_steps]


# --8<-- [start:cross_attention]
import torch


def cross_attention(attn, decoder_states: torch.Tensor,
                    encoder_states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Multi-head cross-attention with the weights of `attn` (a BartAttention): output, weights.

    Queries come from the decoder, keys and values from the encoder's output."""
    batch_size, num_target, d_model = decoder_states.shape
    num_source, head_dim = encoder_states.shape[1], attn.head_dim
    num_heads = d_model // head_dim
    # 1. project, and split the d_model numbers into num_heads heads of head_dim
    queries = attn.q_proj(decoder_states).view(batch_size, num_target, num_heads, head_dim)
    keys = attn.k_proj(encoder_states).view(batch_size, num_source, num_heads, head_dim)
    values = attn.v_proj(encoder_states).view(batch_size, num_source, num_heads, head_dim)
    queries, keys, values = (t.transpose(1, 2) for t in (queries, keys, values))
    # 2. every target token scores every source token, in each head
    attn_scores = queries @ keys.transpose(-2, -1)  # (batch, heads, num_target, num_source)
    attn_weights = torch.softmax(attn_scores / head_dim**0.5, dim=-1)  # no mask: all of it
    # 3. mix the source's values, put the heads side by side, project out
    context = (attn_weights @ values).transpose(1, 2).reshape(batch_size, num_target, d_model)
    return attn.out_proj(context), attn_weights
# --8<-- [end:cross_attention]


# --8<-- [start:capture]
import torch


def capture_cross_attention(model, layer: int, **inputs) -> dict[str, torch.Tensor]:
    """What one decoder layer's cross-attention received and returned in a forward pass."""
    captured = {}

    def hook(module, args, kwargs, output):
        captured["decoder_states"] = args[0] if args else kwargs["hidden_states"]
        captured["encoder_states"] = kwargs["key_value_states"]
        captured["output"], captured["weights"] = output

    attn = model.get_decoder().layers[layer].encoder_attn
    handle = attn.register_forward_hook(hook, with_kwargs=True)
    try:
        with torch.no_grad():
            model(**inputs)
    finally:
        handle.remove()
    return captured
# --8<-- [end:capture]


# --8<-- [start:decoder_logits]
import torch


def decoder_logits(model, encoder_states: torch.Tensor, decoder_input_ids: torch.Tensor,
                   source_mask: torch.Tensor | None = None) -> torch.Tensor:
    """The decoder's logits, (1, num_target, vocab_size), given the encoder's output itself.

    `source_mask` (1 where a source position may be seen, 0 where it is hidden, as padding
    is) is the mask that cross-attention applies; None shows it every position."""
    with torch.no_grad():
        return model(encoder_outputs=(encoder_states,), attention_mask=source_mask,
                     decoder_input_ids=decoder_input_ids).logits
# --8<-- [end:decoder_logits]
