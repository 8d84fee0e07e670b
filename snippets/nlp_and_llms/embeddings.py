"""Sentence embeddings from all-MiniLM-L6-v2, pooled as the model was trained, and cosines."""

# --8<-- [start:pooling_config]
import json
from pathlib import Path

POOLING_MODES = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean",
                 "pooling_mode_max_tokens": "max"}


def pooling_config(checkpoint: str | Path) -> dict:
    """How a sentence-transformers checkpoint turns token vectors into one sentence vector."""
    checkpoint = Path(checkpoint)
    pooling = json.loads((checkpoint / "1_Pooling" / "config.json").read_text())
    modules = json.loads((checkpoint / "modules.json").read_text())
    settings = json.loads((checkpoint / "sentence_bert_config.json").read_text())
    modes = [mode for key, mode in POOLING_MODES.items() if pooling.get(key)]
    if len(modes) != 1 or any(v for k, v in pooling.items()
                              if k.startswith("pooling_mode_") and k not in POOLING_MODES):
        raise ValueError(f"expected exactly one of {list(POOLING_MODES)} set, got {pooling}")
    return {"mode": modes[0],
            "normalize": any(m["type"].endswith(".Normalize") for m in modules),
            "max_length": settings["max_seq_length"]}
# --8<-- [end:pooling_config]


# --8<-- [start:mean_pooling_loop]
import torch


def mean_pooling_loop(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The average of each sentence's real token vectors (padding left out), one at a time."""
    sentence_vectors = []
    for token_vectors, mask in zip(hidden, attention_mask, strict=True):  # one sentence
        real = token_vectors[mask.bool()]  # (num_real_tokens, hidden_size)
        sentence_vectors.append(real.mean(dim=0))
    return torch.stack(sentence_vectors)  # (batch_size, hidden_size)
# --8<-- [end:mean_pooling_loop]


# --8<-- [start:sentence_embeddings]
import torch


def pool_tokens(hidden: torch.Tensor, attention_mask: torch.Tensor, mode: str) -> torch.Tensor:
    """(batch_size, hidden_size) sentence vectors from (batch_size, num_tokens, hidden_size)."""
    mask = attention_mask[..., None].to(hidden.dtype)  # (batch_size, num_tokens, 1)
    if mode == "mean":
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    if mode == "max":
        return hidden.masked_fill(mask == 0, torch.finfo(hidden.dtype).min).max(dim=1).values
    if mode == "cls":
        return hidden[:, 0]
    raise ValueError(f"mode must be one of 'mean', 'max', 'cls', got {mode!r}")


def sentence_embeddings(model, tokenizer, sentences: list[str], config: dict) -> torch.Tensor:
    """(num_sentences, hidden_size) embeddings: tokens, encoder, pooling, unit length."""
    if not sentences or any(not s.strip() for s in sentences):
        raise ValueError(f"sentences must be a non-empty list of non-empty texts, got {sentences}")
    batch = tokenizer(sentences, padding=True, truncation=True, max_length=config["max_length"],
                      return_tensors="pt").to(model.device)
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state  # (num_sentences, num_tokens, hidden_size)
    embeddings = pool_tokens(hidden, batch["attention_mask"], config["mode"])
    if config["normalize"]:
        embeddings = torch.nn.functional.normalize(embeddings, dim=-1)  # length 1
    return embeddings
# --8<-- [end:sentence_embeddings]


# --8<-- [start:cosine]
import torch


def cosine_similarities(embeddings: torch.Tensor) -> torch.Tensor:
    """(n, n) cosine of the angle between every two embeddings: 1 same direction, 0 orthogonal."""
    unit = embeddings / embeddings.norm(dim=-1, keepdim=True)
    return unit @ unit.T
# --8<-- [end:cosine]


# --8<-- [start:similarity_heatmap]
import matplotlib.pyplot as plt
import torch


def similarity_heatmap(similarities: torch.Tensor, labels: list[str], ax=None):
    """Draw an (n, n) similarity matrix with its values, on a scale from -1 to 1."""
    if similarities.shape != (len(labels), len(labels)):
        raise ValueError(f"similarities has shape {tuple(similarities.shape)}: it must be "
                         f"({len(labels)}, {len(labels)}), one row and column per label")
    ax = ax or plt.gca()
    values = similarities.detach().float().cpu().numpy()
    image = ax.imshow(values, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(values[i, j]) > 0.6 else "black")
    plt.colorbar(image, ax=ax, label="cosine similarity")
    return ax
# --8<-- [end:similarity_heatmap]
