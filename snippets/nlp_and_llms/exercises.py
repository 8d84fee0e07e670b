"""Lesson 02's exercises: a few-shot prompt, cosine similarity by hand, mean pooling."""

from snippets.exercises import Verdict, checker  # shown in lessons by its own section
from snippets.nlp_and_llms.embeddings import pool_tokens  # shown by its own section
from snippets.nlp_and_llms.in_context import icl_messages  # shown by its own section

# --8<-- [start:checkers]
# Needs: exercises.py:verdict, nlp_and_llms/in_context.py:prompt
# Needs: nlp_and_llms/embeddings.py:sentence_embeddings
import torch

INSTRUCTION = "Classify the topic of the text as one of: food, music. Answer with one word."
SHOTS = [("The soup needs more salt.", "food"), ("She plays the cello.", "music")]


@checker
def check_few_shot_messages(my_few_shot_messages) -> Verdict:
    """Compare my_few_shot_messages(instruction, shots, text) with the lesson's chat."""
    for shots in [SHOTS, SHOTS[:1], []]:
        text = "The band played until midnight."
        expected = icl_messages(INSTRUCTION, shots, text)
        got = my_few_shot_messages(INSTRUCTION, shots, text)
        case = f"With {len(shots)} example{'' if len(shots) == 1 else 's'}"
        if not isinstance(got, list) or not all(
                isinstance(m, dict) and set(m) == {"role", "content"} for m in got):
            return Verdict(False, "Return a list of messages, each a dict "
                                  "{'role': ..., 'content': ...}.")
        if got == expected:
            continue
        if not got or got[0] != expected[0]:
            return Verdict(False, f"{case}, your chat does not start with the instruction. "
                                  "Hint: the first message is the instruction, with the role "
                                  "'system'.")
        if got[-1] != expected[-1]:
            return Verdict(False, f"{case}, your chat does not end with the text to classify. "
                                  "Hint: the last message is the text, with the role 'user', "
                                  "and no answer after it: the model writes that.")
        if len(got) != len(expected):
            return Verdict(False, f"{case}, your examples are {len(got) - 2} messages, not "
                                  f"{len(expected) - 2}. Hint: each example is two turns: its "
                                  "text as 'user', then its label as 'assistant'.")
        return Verdict(False, f"{case}, your examples have the right count of messages but "
                              "the wrong order or roles. Hint: for each example in turn, its "
                              "text as 'user' first, then its label as 'assistant'.")
    return Verdict(True, "Instruction, then each example as a question and its answer, then "
                         "the text: the chat the lesson sends to SmolLM2.")


def _shape_error(error: RuntimeError) -> bool:
    """Did torch refuse to broadcast two tensors of different shapes?"""
    return "must match the size of tensor" in str(error)


@checker
def check_cosine_similarities(my_cosine_similarities) -> Verdict:
    """Compare my_cosine_similarities(embeddings) with torch's cosine_similarity."""
    generator = torch.Generator().manual_seed(0)
    lengths = torch.tensor([[1.0], [3.0], [0.5], [10.0]])  # vectors of different lengths
    embeddings = torch.randn(4, 6, generator=generator) * lengths
    expected = torch.nn.functional.cosine_similarity(embeddings[:, None], embeddings[None],
                                                     dim=-1)
    try:
        got = my_cosine_similarities(embeddings.clone())
    except RuntimeError as error:
        if not _shape_error(error):
            raise
        return Verdict(False, f"Your answer raised RuntimeError: {error}. Hint: a (4, 6) "
                              "tensor divided by its 4 norms needs them as a column: "
                              "norm(dim=-1, keepdim=True).")
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        return Verdict(False, f"Return a tensor of shape {tuple(expected.shape)}: one row and "
                              "one column per embedding.")
    got = got.to(expected.dtype)  # a float64 answer is as right as a float32 one
    if torch.allclose(got, expected, atol=1e-5):
        return Verdict(True, "Every value is the cosine of the angle between two embeddings, "
                             "whatever their lengths.")
    if torch.allclose(got, embeddings @ embeddings.T, atol=1e-4):
        return Verdict(False, "These are dot products, which grow with the vectors' lengths. "
                              "Hint: divide each vector by its length, its norm, first.")
    if not torch.allclose(got.diagonal(), torch.ones(4), atol=1e-5):
        return Verdict(False, "A vector's cosine with itself must be 1. Hint: divide each row "
                              "by its own norm (norm(dim=-1, keepdim=True)).")
    return Verdict(False, "Your values are not the cosines. Hint: the dot product of the two "
                          "vectors divided by the product of their norms.")


@checker
def check_mean_pooling(my_mean_pooling) -> Verdict:
    """Compare my_mean_pooling(hidden, attention_mask) with the masked mean on a padded batch."""
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 5, 4, generator=generator)  # (batch_size, num_tokens, hidden_size)
    attention_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0]])
    expected = pool_tokens(hidden, attention_mask, "mean")
    try:
        got = my_mean_pooling(hidden.clone(), attention_mask.clone())
    except RuntimeError as error:
        if not _shape_error(error):
            raise
        return Verdict(False, f"Your answer raised RuntimeError: {error}. Hint: the mask is "
                              "(batch_size, num_tokens) and hidden has one more axis: add a "
                              "last axis to the mask, attention_mask[..., None], and keep it "
                              "when you sum the mask: sum(dim=1, keepdim=True).")
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        return Verdict(False, f"Return one vector per sentence, a tensor of shape "
                              f"{tuple(expected.shape)} (batch_size, hidden_size).")
    got = got.to(expected.dtype)  # a float64 answer is as right as a float32 one
    if torch.allclose(got, expected, atol=1e-5):
        return Verdict(True, "Each sentence's vector is the average of its real tokens only, "
                             "as the loop of the lesson computes it.")
    mask = attention_mask[..., None].float()
    summed = (hidden * mask).sum(dim=1)  # (batch_size, hidden_size): padding left out
    if torch.allclose(got, summed / hidden.shape[1], atol=1e-5):
        return Verdict(False, "You leave the padding's vectors out of the sum, but divide by "
                              "the padded length. Hint: divide by each sentence's number of "
                              "real tokens, attention_mask.sum(dim=1, keepdim=True).")
    if torch.allclose(got, summed / mask.sum(), atol=1e-5):
        return Verdict(False, "You divide by the number of real tokens in the whole batch. "
                              "Hint: divide by each sentence's own number, "
                              "attention_mask.sum(dim=1, keepdim=True).")
    if torch.allclose(got[0], expected[0], atol=1e-5):
        return Verdict(False, "Your vectors are right for the sentence without padding, wrong "
                              "for the padded ones. Hint: multiply the vectors by the mask "
                              "with a last axis added, attention_mask[..., None], before "
                              "summing, so that padding adds nothing.")
    return Verdict(False, "Your vectors are not the averages of the real tokens. Hint: sum "
                          "hidden * attention_mask[..., None] over the tokens, then divide by "
                          "attention_mask.sum(dim=1, keepdim=True).")
# --8<-- [end:checkers]


# --8<-- [start:few_shot_exercise]
def my_few_shot_messages(instruction: str, shots: list[tuple[str, str]],
                         text: str) -> list[dict]:
    """A chat: the instruction, each (text, label) shot as a question and its answer, then text."""
    # Your code here. A message is {"role": "system" | "user" | "assistant", "content": ...}.
    return [{"role": "user", "content": text}]
# --8<-- [end:few_shot_exercise]


# --8<-- [start:few_shot_solution]
def my_few_shot_messages(instruction: str, shots: list[tuple[str, str]],
                         text: str) -> list[dict]:
    """A chat: the instruction, each (text, label) shot as a question and its answer, then text."""
    messages = [{"role": "system", "content": instruction}]
    for shot_text, label in shots:  # each example: a question, and the answer we want
        messages.append({"role": "user", "content": shot_text})
        messages.append({"role": "assistant", "content": label})
    return messages + [{"role": "user", "content": text}]  # the model answers this one
# --8<-- [end:few_shot_solution]


# --8<-- [start:cosine_exercise]
import torch


def my_cosine_similarities(embeddings: torch.Tensor) -> torch.Tensor:
    """(n, n) cosine of the angle between every two of the n embeddings."""
    # Your code here. embeddings.norm(dim=-1, keepdim=True) is each vector's length.
    return embeddings @ embeddings.T
# --8<-- [end:cosine_exercise]


# --8<-- [start:cosine_solution]
import torch


def my_cosine_similarities(embeddings: torch.Tensor) -> torch.Tensor:
    """(n, n) cosine of the angle between every two of the n embeddings."""
    unit = embeddings / embeddings.norm(dim=-1, keepdim=True)  # every vector of length 1
    return unit @ unit.T  # the dot product of unit vectors is their cosine
# --8<-- [end:cosine_solution]


# --8<-- [start:pooling_exercise]
import torch


def my_mean_pooling(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(batch_size, hidden_size): each sentence's average over its real tokens, no loop."""
    # Your code here. attention_mask is 1 for a real token, 0 for padding.
    return hidden.mean(dim=1)
# --8<-- [end:pooling_exercise]


# --8<-- [start:pooling_solution]
import torch


def my_mean_pooling(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(batch_size, hidden_size): each sentence's average over its real tokens, no loop."""
    mask = attention_mask[..., None].to(hidden.dtype)  # (batch_size, num_tokens, 1)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1)  # padding adds 0 and is not counted
# --8<-- [end:pooling_solution]
