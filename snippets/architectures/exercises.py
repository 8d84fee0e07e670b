"""Lesson 07's exercises: a starting point to edit, a checker, and a solution for each."""

# A lesson shows these by their own sections, included before ours.
from snippets.exercises import Verdict, checker

# --8<-- [start:checkers]
# Needs: exercises.py:verdict
import torch
import torch.nn.functional as F
from transformers.models.bart.modeling_bart import shift_tokens_right

MASKS = {"bidirectional", "causal", "cross"}
# The notes' table: each task's suggested architecture, and the masks of its attention layers
ENCODER, DECODER = {"bidirectional"}, {"causal"}
ENCODER_DECODER = {"bidirectional", "causal", "cross"}
TASK_MASKS = {"sentiment classification": ENCODER, "named entity recognition": ENCODER,
              "story writing": DECODER, "translation": ENCODER_DECODER,
              "summarization": ENCODER_DECODER, "chat assistant": DECODER}


@checker
def check_masks_for_tasks(my_masks) -> Verdict:
    """Compare the reader's masks for each task with those of the notes' suggested architecture."""
    if not isinstance(my_masks, dict):
        return Verdict(False, f"It is a {type(my_masks).__name__}. Hint: a dict from each task "
                              "to a set of mask names.")
    if missing := sorted(set(TASK_MASKS) - set(my_masks)):
        return Verdict(False, f"No answer for {missing}. Hint: keep every task of the starting "
                              "point as a key.")
    for task, expected in TASK_MASKS.items():
        answer = my_masks[task]
        answer = {answer} if isinstance(answer, str) else set(answer)
        if unknown := sorted(answer - MASKS):
            return Verdict(False, f"{task!r}: unknown mask names {unknown}. Hint: use "
                                  f"{sorted(MASKS)}.")
        if answer == expected:
            continue
        if answer - {"cross"} == expected:  # right but for an extra cross-attention
            return Verdict(False, f"{task!r} is not right yet. Hint: cross-attention reads an "
                                  "encoder's output from a decoder; does the suggested "
                                  "architecture have both parts?")
        if expected == ENCODER:
            return Verdict(False, f"{task!r} is not right yet. Hint: the task labels a sentence "
                                  "or its words once it has read all of it, and it writes no "
                                  "text: which architecture, and what may each token see there?")
        if expected == DECODER:
            return Verdict(False, f"{task!r} is not right yet. Hint: the model writes its text "
                                  "one token at a time, from a prompt, with one stack of layers: "
                                  "may a token see the tokens written after it?")
        if "cross" not in answer:
            return Verdict(False, f"{task!r} is not right yet. Hint: the suggested "
                                  "architecture has two parts: name the mask of each part's "
                                  "self-attention, and how the decoder reads the encoder.")
        return Verdict(False, f"{task!r} is not right yet. Hint: it has cross-attention; name "
                              "the masks of the encoder's and of the decoder's self-attention "
                              "too.")
    return Verdict(True, "Encoders for understanding (bidirectional), decoders for writing "
                         "(causal), encoder-decoders for text from a source (all three).")


def _one_layer(mask: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """One attention layer with `mask` (True: may attend) on x, with fixed random projections."""
    generator = torch.Generator().manual_seed(0)
    d = x.shape[-1]  # small projections, in float64: no weight rounds to exactly 0 or 1
    W_query, W_key, W_value = torch.randn(3, d, d, generator=generator, dtype=torch.float64)
    x = x.double() / d**0.5
    return F.scaled_dot_product_attention(x @ W_query, x @ W_key, x @ W_value, attn_mask=mask)


@checker
def check_changed_outputs(my_changed_outputs) -> Verdict:
    """Compare the reader's prediction with the outputs that change in one attention layer."""
    n = 6
    ones = torch.ones(n, n, dtype=torch.bool)
    masks = {"causal": ones.tril(), "bidirectional": ones,
             "band of radius 1": ones.tril(1).triu(-1)}
    x = torch.randn(n, 8, generator=torch.Generator().manual_seed(1))
    for name, mask in masks.items():
        for position in (2, 0, n - 1):
            changed_x = x.clone()
            changed_x[position] += 1.0  # a different token at `position`
            measured = (_one_layer(mask, changed_x) - _one_layer(mask, x)).abs().amax(-1) > 1e-9
            answer = my_changed_outputs(mask, position)
            if not isinstance(answer, torch.Tensor):
                return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return a "
                                      "tensor of booleans, one per position.")
            if tuple(answer.shape) != (n,):
                return Verdict(False, f"It returned shape {tuple(answer.shape)} where ({n},) "
                                      "was expected. Hint: one True or False per output "
                                      "position.")
            if torch.equal(answer.bool(), measured):
                continue
            if answer.bool().all():
                return Verdict(False, f"With the {name} mask and the token at {position} "
                                      "changed, it says every output changes. Hint: output i "
                                      "mixes the values of the keys that query i may attend "
                                      "to; look that up in the mask.")
            if torch.equal(answer.bool(), mask[position]):
                return Verdict(False, f"With the {name} mask and the token at {position} "
                                      "changed, it returned the keys that query "
                                      f"{position} sees (row {position}). Hint: a row is a "
                                      "query, a column a key; which queries see this key?")
            return Verdict(False, f"With the {name} mask and the token at {position} changed, "
                                  f"it returned {answer.int().tolist()}. Hint: for each query "
                                  f"i, may it attend to key {position}? Read that in the mask.")
    return Verdict(True, "Output i changes when query i may attend to the changed token (the "
                         "diagonal is True in every mask here, so the changed token's own "
                         "output is among them): the column of the mask, as measured on one "
                         "attention layer.")


@checker
def check_shift_right(my_shift_right) -> Verdict:
    """Compare the reader's decoder input with transformers' shift_tokens_right."""
    labels = torch.tensor([[46719, 252, 23, 81, 556], [57, 2606, 346, 3, 7]])
    for start_id in (2, 0):
        expected = shift_tokens_right(labels, pad_token_id=1, decoder_start_token_id=start_id)
        answer = my_shift_right(labels.clone(), start_id)
        if not isinstance(answer, torch.Tensor):
            return Verdict(False, f"It returned a {type(answer).__name__}. Hint: return a "
                                  "tensor.")
        if torch.equal(answer, expected):
            continue
        if torch.equal(answer, labels):
            return Verdict(False, "It returns the labels themselves: position t would read "
                                  "the very token it must predict. Hint: the decoder reads the "
                                  "start token first, then the labels one place later.")
        if tuple(answer.shape) == (2, 6):
            return Verdict(False, "It has one token more than the labels. Hint: the decoder "
                                  "reads as many tokens as it predicts; the last label is "
                                  "never read, only predicted.")
        if tuple(answer.shape) != tuple(labels.shape):
            return Verdict(False, f"It returned shape {tuple(answer.shape)} where "
                                  f"{tuple(labels.shape)} was expected. Hint: shift each row "
                                  "of the batch along its last dimension.")
        if torch.equal(answer[:, :-1], labels[:, 1:]):
            return Verdict(False, "It shifts the labels to the left. Hint: to the right: "
                                  "the start token goes first.")
        if torch.equal(answer[:, 1:], labels[:, :-1]):
            return Verdict(False, f"With start_id={start_id}, position 0 holds "
                                  f"{answer[:, 0].tolist()}. Hint: put start_id there.")
        if (answer[:, 0] == start_id).all() and torch.equal(answer[:, 1:], labels[:, 1:]):
            return Verdict(False, "It writes start_id over the first label. Hint: move every "
                                  "label one place right, so that none is overwritten; only "
                                  "the last one drops off.")
        return Verdict(False, f"For labels {labels.tolist()} and start_id={start_id} it "
                              f"returned {answer.tolist()}. Hint: in each row, position t "
                              "reads the label at t - 1 (shift along the tokens, the last "
                              "dimension), and start_id fills position 0.")
    return Verdict(True, "The start token, then the labels but their last: what BART's "
                         "shift_tokens_right builds from the labels.")
# --8<-- [end:checkers]


# --8<-- [start:masks_for_tasks_exercise]
my_masks = {  # for each task: the masks of the attention layers of the architecture it suits
    "sentiment classification": {"bidirectional"},  # your answers here: a set of names among
    "named entity recognition": {"bidirectional"},  # "bidirectional", "causal", "cross"
    "story writing": {"bidirectional"},
    "translation": {"bidirectional"},
    "summarization": {"bidirectional"},
    "chat assistant": {"bidirectional"},
}
# --8<-- [end:masks_for_tasks_exercise]


# --8<-- [start:masks_for_tasks_solution]
my_masks = {
    "sentiment classification": {"bidirectional"},  # an encoder reads the whole sentence
    "named entity recognition": {"bidirectional"},  # a label per word, from both sides
    "story writing": {"causal"},  # a decoder writes left to right
    "translation": {"bidirectional", "causal", "cross"},  # encoder, decoder, and the bridge
    "summarization": {"bidirectional", "causal", "cross"},
    "chat assistant": {"causal"},  # a decoder such as SmolLM2
}
# --8<-- [end:masks_for_tasks_solution]


# --8<-- [start:changed_outputs_exercise]
import torch


def my_changed_outputs(mask: torch.Tensor, position: int) -> torch.Tensor:
    """Which outputs of one attention layer with `mask` change when token `position` does."""
    return torch.ones(mask.shape[0], dtype=torch.bool)  # your code here
# --8<-- [end:changed_outputs_exercise]


# --8<-- [start:changed_outputs_solution]
import torch


def my_changed_outputs(mask: torch.Tensor, position: int) -> torch.Tensor:
    """Which outputs of one attention layer with `mask` change when token `position` does."""
    return mask[:, position]  # column: every query that may attend to that key
# --8<-- [end:changed_outputs_solution]


# --8<-- [start:shift_right_exercise]
import torch


def my_shift_right(labels: torch.Tensor, start_id: int) -> torch.Tensor:
    """The decoder's input in training, (batch_size, num_tokens): the labels shifted right."""
    return labels  # your code here
# --8<-- [end:shift_right_exercise]


# --8<-- [start:shift_right_solution]
import torch


def my_shift_right(labels: torch.Tensor, start_id: int) -> torch.Tensor:
    """The decoder's input in training, (batch_size, num_tokens): the labels shifted right."""
    start = torch.full_like(labels[:, :1], start_id)  # (batch_size, 1)
    return torch.cat([start, labels[:, :-1]], dim=1)  # the last label is never read
# --8<-- [end:shift_right_solution]
