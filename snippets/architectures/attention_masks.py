"""The three kinds of Transformer through their attention masks: who may attend to whom."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:masks]
import torch

# Convention of torch's scaled_dot_product_attention: True where a query MAY attend to a key.


def bidirectional_mask(num_tokens: int) -> torch.Tensor:
    """Encoder self-attention: every token sees every token, left and right."""
    return torch.ones(num_tokens, num_tokens, dtype=torch.bool)


def causal_mask_loop(num_tokens: int) -> torch.Tensor:
    """Decoder self-attention, one entry at a time: query i sees keys j <= i."""
    mask = torch.zeros(num_tokens, num_tokens, dtype=torch.bool)
    for i in range(num_tokens):
        for j in range(num_tokens):
            mask[i, j] = j <= i  # the past and itself, never the future
    return mask


def causal_mask(num_tokens: int) -> torch.Tensor:
    """Decoder self-attention: the lower triangle, diagonal included."""
    return torch.ones(num_tokens, num_tokens, dtype=torch.bool).tril()


def cross_attention_mask(num_target: int, num_source: int) -> torch.Tensor:
    """Cross-attention: every decoder (target) token sees every encoder (source) token."""
    return torch.ones(num_target, num_source, dtype=torch.bool)
# --8<-- [end:masks]


# --8<-- [start:changed_positions]
# Needs: checks.py:require
import torch


def changed_positions(before: torch.Tensor, after: torch.Tensor, atol: float = 1e-4) -> list[bool]:
    """For each position of one sequence, (1, num_tokens, ...), whether its output changed."""
    require(before.shape == after.shape, f"outputs of shapes {tuple(before.shape)} and "
            f"{tuple(after.shape)} cannot be compared position by position")
    difference = (before - after).abs().flatten(start_dim=2).amax(dim=-1)[0]  # (num_tokens,)
    return (difference > atol).tolist()
# --8<-- [end:changed_positions]


# Drawing only, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:plot_matrix]
# Needs: checks.py:require
import matplotlib.pyplot as plt
import torch


def plot_matrix(values: torch.Tensor, row_labels: list[str], col_labels: list[str], ax=None,
                title: str = "", annotate: bool = True, cmap: str = "Blues"):
    """Draw a (num_queries, num_keys) mask or weight matrix with its tokens."""
    require(values.shape == (len(row_labels), len(col_labels)),
            f"values has shape {tuple(values.shape)}: it must be "
            f"({len(row_labels)}, {len(col_labels)}), one row and column per label")
    ax = ax or plt.gca()
    array = values.detach().float().cpu().numpy()
    ax.imshow(array, cmap=cmap, vmin=0, vmax=1)
    ax.set_xticks(range(len(col_labels)), col_labels, rotation=45, ha="right")
    ax.set_yticks(range(len(row_labels)), row_labels)
    ax.set(xlabel="key (attended to)", ylabel="query (attending)", title=title)
    if annotate:
        for i in range(array.shape[0]):
            for j in range(array.shape[1]):
                color = "white" if array[i, j] > 0.6 else "black"
                text = f"{array[i, j]:.2f}" if values.is_floating_point() else str(int(array[i, j]))
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    return ax
# --8<-- [end:plot_matrix]
# pragma: no mutate end
