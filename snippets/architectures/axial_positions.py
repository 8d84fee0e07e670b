"""Axial positional encodings (Reformer): two small tables instead of one long one."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:axial_loop]
# Needs: checks.py:require
import torch


def axial_encodings_loop(E_1: torch.Tensor, E_2: torch.Tensor, seq_len: int) -> torch.Tensor:
    """Position p = i * n_2 + j gets [E_1[i], E_2[j]], one position at a time."""
    check_axial(E_1, E_2, seq_len)
    n_2 = E_2.shape[0]
    rows = []
    for p in range(seq_len):
        i, j = divmod(p, n_2)  # the position's row and column in an n_1 x n_2 grid
        rows.append(torch.cat([E_1[i], E_2[j]]))
    return torch.stack(rows)  # (seq_len, d_1 + d_2)


def check_axial(E_1: torch.Tensor, E_2: torch.Tensor, seq_len: int) -> None:
    """Raise ValueError unless the two axes multiply to seq_len."""
    n_1, n_2 = E_1.shape[0], E_2.shape[0]
    require(n_1 * n_2 == seq_len, f"seq_len={seq_len} must equal the product of the axial "
            f"factors {n_1} x {n_2} = {n_1 * n_2}")
# --8<-- [end:axial_loop]


# --8<-- [start:axial]
# Needs: architectures/axial_positions.py:axial_loop
import torch


def axial_encodings(E_1: torch.Tensor, E_2: torch.Tensor, seq_len: int) -> torch.Tensor:
    """All positions at once: broadcast E_1 down the columns and E_2 along the rows, flatten."""
    check_axial(E_1, E_2, seq_len)
    (n_1, d_1), (n_2, d_2) = E_1.shape, E_2.shape
    grid = torch.cat([E_1[:, None, :].expand(n_1, n_2, d_1),  # (n_1, n_2, d_1): same row, same
                      E_2[None, :, :].expand(n_1, n_2, d_2)],  # (n_1, n_2, d_2): same column
                     dim=-1)  # (n_1, n_2, d_1 + d_2)
    return grid.reshape(seq_len, d_1 + d_2)
# --8<-- [end:axial]


# --8<-- [start:plot_axial]
import matplotlib.pyplot as plt
import torch


def plot_axial(E_1: torch.Tensor, E_2: torch.Tensor, encodings: torch.Tensor, axes=None):
    """The two small tables and the (seq_len, d_1 + d_2) encodings they make, side by side."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(11, 4), width_ratios=[1, 1, 1.4])
    panels = [(E_1, f"E_1: {tuple(E_1.shape)}", "row i"),
              (E_2, f"E_2: {tuple(E_2.shape)}", "column j"),
              (encodings, f"encodings: {tuple(encodings.shape)}", "position p = i * n_2 + j")]
    limit = max(E_1.abs().max().item(), E_2.abs().max().item())  # one colour scale for all
    for ax, (table, title, ylabel) in zip(axes, panels, strict=True):
        image = ax.imshow(table.detach().float().cpu().numpy(), cmap="coolwarm", aspect="auto",
                          interpolation="nearest", vmin=-limit, vmax=limit)
        ax.set(title=title, ylabel=ylabel, xlabel="dimension")
        ax.xaxis.get_major_locator().set_params(integer=True)  # whole rows and columns
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[2].axvline(E_1.shape[1] - 0.5, color="black", linewidth=2)  # E_1's part | E_2's part
    plt.colorbar(image, ax=axes[2], label="value (same scale in all three)")
    return axes
# --8<-- [end:plot_axial]
