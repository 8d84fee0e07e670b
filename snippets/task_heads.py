"""What a Transformer solves a task with: a base model, then a small task-specific head."""

# --8<-- [start:task_head]
import torch

# What each architecture of the notes solves, with the class that adds its head; the weights
# we use are random (snippets/random_models.py), the checkpoints are the ones to load online.
TASKS = {
    "wav2vec2": ("Wav2Vec2ForCTC", "automatic speech recognition: audio to characters"),
    "mask2former": ("Mask2FormerForUniversalSegmentation", "image segmentation: a class per pixel"),
    "bert": ("BertForSequenceClassification, BertForTokenClassification, "
             "BertForQuestionAnswering", "text classification, token classification, "
             "extractive question answering"),
    "gpt2": ("GPT2LMHeadModel", "text generation: the next token"),
    "bart": ("BartForConditionalGeneration", "summarization and translation: text to text"),
}


def task_head(model: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """The modules on top of the base model: everything but the base, dropout and the loss."""
    skip = {model.base_model_prefix, "dropout", "criterion"}
    return {name: module for name, module in model.named_children() if name not in skip}


def describe_head(model: torch.nn.Module) -> str:
    """The head in a few words: 'lm_head: Linear(64 -> 32)'."""
    return ", ".join(f"{name}: {type(m).__name__}({m.in_features} -> {m.out_features})"
                     if isinstance(m, torch.nn.Linear) else f"{name}: {type(m).__name__}"
                     for name, m in task_head(model).items())


def output_shapes(outputs) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor a model returned, by name."""
    return {name: tuple(value.shape) for name, value in outputs.items() if torch.is_tensor(value)}
# --8<-- [end:task_head]


# --8<-- [start:mean_pooling]
import torch


def mean_pooling(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """One vector per sentence: the mean of its token vectors, padding left out."""
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)  # (batch, num_tokens, 1)
    summed = (last_hidden_state * mask).sum(dim=1)  # (batch, hidden_size)
    return summed / mask.sum(dim=1).clamp(min=1e-9)
# --8<-- [end:mean_pooling]
