"""Probes of an LLM's limits: the confidence of its answers, and its context window."""

from snippets.nlp_and_llms.chat import chat_batch  # shown in the lesson by its own section

# --8<-- [start:confidence]
# Needs: nlp_and_llms/chat.py:ask
import torch


def ask_with_confidence(model, tokenizer, questions: list[str], max_new_tokens: int = 40,
                        num_lowest: int = 3) -> list[tuple[str, float, list[tuple[str, float]]]]:
    """Each greedy answer, the average probability the model gave to its own tokens, and its
    `num_lowest` least likely tokens with their probabilities, least likely first."""
    batch = chat_batch(tokenizer, questions, model.device)
    with torch.no_grad():
        output = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                output_logits=True, return_dict_in_generate=True)
    new_tokens = output.sequences[:, batch["input_ids"].shape[1]:]  # (num_questions, steps)
    probs = torch.stack(output.logits, dim=1).float().softmax(dim=-1)  # (.., steps, vocab)
    token_probs = probs.gather(-1, new_tokens[..., None])[..., 0]  # p of each chosen token
    eos, results = tokenizer.eos_token_id, []
    for tokens, p in zip(new_tokens.tolist(), token_probs.tolist(), strict=True):
        length = tokens.index(eos) if eos in tokens else len(tokens)  # the answer ends before
        tokens, p = tokens[:length], p[:length]  # its first end-of-turn token
        answer = tokenizer.decode(tokens, skip_special_tokens=True)
        texts = [tokenizer.decode(token) for token in tokens]
        by_probability = sorted(zip(p, texts, strict=True))  # least likely first
        lowest = [(text, p_token) for p_token, text in by_probability[:num_lowest]]
        results.append((answer, sum(p) / max(length, 1), lowest))
    return results
# --8<-- [end:confidence]


# --8<-- [start:past_the_window]
import torch


def logits_at_positions(model, input_ids: torch.Tensor, start: int) -> torch.Tensor:
    """Next-token logits of `input_ids` (1, num_tokens) placed at positions start, start + 1..."""
    position_ids = torch.arange(start, start + input_ids.shape[1], device=input_ids.device)
    with torch.no_grad():
        return model(input_ids, position_ids=position_ids[None]).logits[0, -1]


def forward_outcome(model, num_tokens: int) -> str:
    """Run `model` on `num_tokens` tokens: the shape of its logits, or the error it raised."""
    input_ids = torch.ones(1, num_tokens, dtype=torch.long, device=model.device)
    try:
        with torch.no_grad():
            return f"logits of shape {tuple(model(input_ids).logits.shape)}"
    except IndexError as error:  # a learned position table has no row for this position
        return f"IndexError: {error}"
# --8<-- [end:past_the_window]


# --8<-- [start:truncation]
def keep_last_tokens(tokenizer, text: str, max_tokens: int) -> str:
    """What is left of `text` when a window of `max_tokens` tokens keeps only its end, from the
    first whole word."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    offsets = tokenizer(text, add_special_tokens=False,
                        return_offsets_mapping=True)["offset_mapping"]  # (start, end) per token
    if len(offsets) <= max_tokens:
        return text
    start = offsets[-max_tokens][0]  # where the first token the window keeps starts
    if not text[start].isspace() and not text[start - 1].isspace():  # it starts inside a word:
        while start < len(text) and not text[start].isspace():  # leave the rest of that word out
            start += 1
    return text[start:]
# --8<-- [end:truncation]
