"""What a Transformer solves a task with: a base model, then a small task-specific head."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:task_head]
# Needs: checks.py:require
import torch

# What each model class of the notes solves, by the model's short name; the weights we use are
# random (snippets/random_models.py), the checkpoints are the ones to load online.
TASKS = {
    "Wav2Vec2ForCTC": ("Wav2Vec2", "speech recognition: audio to characters"),
    "Mask2FormerForUniversalSegmentation": ("Mask2Former", "image segmentation"),
    "BertForSequenceClassification": ("BERT", "text classification"),
    "BertForTokenClassification": ("BERT", "token classification (named entities)"),
    "BertForQuestionAnswering": ("BERT", "extractive question answering"),
    "GPT2LMHeadModel": ("GPT-2", "text generation: the next token"),
    "BartForConditionalGeneration": ("BART", "summarization, translation: text to text"),
}
# A head that transformers keeps inside the base model: Mask2Former's mask head (an MLP whose
# output is dotted with every pixel's embedding) sits in its Transformer decoder.
HEADS_IN_THE_BASE = {
    "mask2former": ["model.transformer_module.decoder.mask_predictor.mask_embedder"],
}


def task_head(model: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """The task's head: the modules on top of the base (not dropout or the loss), plus any
    head module kept inside the base (HEADS_IN_THE_BASE)."""
    skip = {model.base_model_prefix, "dropout", "criterion"}
    head = {name: module for name, module in model.named_children() if name not in skip}
    for path in HEADS_IN_THE_BASE.get(model.config.model_type, []):
        head[path.rsplit(".", 1)[-1]] = model.get_submodule(path)
    return head


def describe_head(model: torch.nn.Module) -> str:
    """The head in a few words: 'lm_head: Linear(64 -> 32)'; an MLP lists its widths."""
    parts = []
    for name, module in task_head(model).items():
        linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
        if not linears:
            parts.append(f"{name}: {type(module).__name__}")
            continue
        widths = " -> ".join(str(w) for w in [linears[0].in_features,
                                               *(m.out_features for m in linears)])
        kind = "Linear" if isinstance(module, torch.nn.Linear) else "MLP"
        parts.append(f"{name}: {kind}({widths})")
    return ", ".join(parts)


def output_shapes(outputs) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor a model returned, by name."""
    return {name: tuple(value.shape) for name, value in outputs.items() if torch.is_tensor(value)}


def summary_row(model: torch.nn.Module, outputs) -> dict[str, str]:
    """One row of the lesson's final table: the model, its task, outputs and head."""
    name = type(model).__name__
    require(name in TASKS, f"no task for {name!r}; known: {sorted(TASKS)}")
    short_name, task = TASKS[name]
    shapes = ", ".join(f"{key} {shape}" for key, shape in output_shapes(outputs).items())
    return dict(model=short_name, task=task, outputs=shapes, head=describe_head(model))
# --8<-- [end:task_head]


# --8<-- [start:heads_on_one_body]
# Needs: checks.py:require
import torch
from transformers import PreTrainedModel


def heads_on_one_body(body: PreTrainedModel, model_classes: list[type[PreTrainedModel]],
                      seed: int = 0) -> dict[str, PreTrainedModel]:
    """One model per task class: a new head of that class on `body`, the same body for all."""
    models = {}
    for model_class in model_classes:
        require(model_class.config_class.model_type == body.config.model_type,
                f"{model_class.__name__} does not fit a {body.config.model_type} body")
        torch.manual_seed(seed)  # the new head's weights are random: it is not trained yet
        model = model_class(body.config)  # a body of its own and a head ...
        setattr(model, model.base_model_prefix, body)  # ... and we swap in our body
        model.tie_weights()  # a head tied to the embedding ties to our body's
        models[model_class.__name__] = model.to(body.device).eval()
    return models
# --8<-- [end:heads_on_one_body]


# --8<-- [start:mean_pooling]
import torch


def mean_pooling(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """One vector per sentence: the mean of its token vectors, padding left out."""
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)  # (batch, num_tokens, 1)
    summed = (last_hidden_state * mask).sum(dim=1)  # (batch, hidden_size)
    return summed / mask.sum(dim=1).clamp(min=1e-9)
# --8<-- [end:mean_pooling]
