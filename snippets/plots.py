"""Figures the lessons draw: attention heatmaps and curves on a log scale."""

# --8<-- [start:attention_heatmap]
import matplotlib.pyplot as plt
import torch


def attention_heatmap(
    weights: torch.Tensor, tokens: list[str], ax=None, title: str = "",
    query_tokens: list[str] | None = None, xlabel: str = "key (attended to)",
    ylabel: str = "query (attending)",
):
    """Draw a (num_queries, num_keys) attention matrix with its tokens and values."""
    query_tokens = tokens if query_tokens is None else query_tokens
    if weights.dim() != 2 or weights.shape != (len(query_tokens), len(tokens)):
        raise ValueError(
            f"weights has shape {tuple(weights.shape)}: it must be "
            f"({len(query_tokens)}, {len(tokens)}), one row per query and one column per key"
        )
    ax = ax or plt.gca()
    values = weights.detach().float().cpu().numpy()
    ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(query_tokens)), query_tokens)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            color = "white" if values[i, j] > 0.6 else "black"
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7, color=color)
    return ax
# --8<-- [end:attention_heatmap]


# --8<-- [start:log_curves]
import matplotlib.pyplot as plt
import torch


def log_curves(curves: dict[str, torch.Tensor], xlabel: str, ylabel: str, title: str, ax=None):
    """Plot each named curve against 1..n on a logarithmic y axis."""
    if not curves:
        raise ValueError("curves must hold at least one named curve, got {}")
    ax = ax or plt.gca()
    for label, values in curves.items():
        values = values.detach().float().cpu().numpy()
        ax.semilogy(range(1, len(values) + 1), values, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax
# --8<-- [end:log_curves]


# --8<-- [start:figure_alt]
import re
import sys

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

NUMBER = re.compile(r"[-−+]?[\d.,]*(e[-−+]?\d+)?%?|\$.*\$")  # a tick such as 0.5, 1e-3, $10^{2}$


def axis_words(ax, name: str) -> str:
    """One axis in words: its label, then its tick labels if they are words, else its range;
    "" for an axis with neither a label nor words (a shared axis, a position)."""
    axis = ax.xaxis if name == "x" else ax.yaxis
    label = axis.get_label().get_text()
    ticks = [tick.get_text() for tick in axis.get_ticklabels()
             if tick.get_visible() and tick.get_text()]
    words = any(not NUMBER.fullmatch(tick) for tick in ticks)
    if not label and not words:
        return ""
    if words:
        values = ", ".join(ticks[:12]) + (f" and {len(ticks) - 12} more" if len(ticks) > 12 else "")
    else:
        low, high = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
        scale = ax.get_xscale() if name == "x" else ax.get_yscale()
        values = f"from {low:.3g} to {high:.3g}" + ("" if scale == "linear" else f", {scale} scale")
    return f"{name} axis {label} ({values})" if label else f"{name} axis ({values})"


def text_in_reading_order(texts, limit: int = 40) -> str:
    """The words written on a figure, top to bottom and left to right."""
    def place(text):
        x, y = text.get_transform().transform(text.get_position())
        return -round(y), x

    words = [t.get_text().replace("\n", " ").strip() for t in sorted(texts, key=place)
             if t.get_visible() and t.get_text().strip()]
    more = f" and {len(words) - limit} more" if len(words) > limit else ""
    return "; ".join(words[:limit]) + more


def figure_alt(fig: Figure) -> str:
    """What a figure shows, in words, from its own titles, axes, legends and text."""
    panels = [ax for ax in fig.axes if ax.get_visible()]
    parts = [fig.get_suptitle()]
    for number, ax in enumerate(panels, start=1):
        words = [f"Panel {number} of {len(panels)}" if len(panels) > 1 else "",
                 " ".join(ax.get_title(loc) for loc in ["left", "center", "right"])]
        if ax.axison:  # a chart: its axes, then its legend
            words += [axis_words(ax, "x"), axis_words(ax, "y")]
            legend = ax.get_legend()
            if legend is not None:
                words.append("legend: " + ", ".join(t.get_text() for t in legend.get_texts()))
        if ax.texts:  # a diagram's labels, or the values written on a chart
            words.append("text: " + text_in_reading_order(ax.texts))
        parts.append("; ".join(w.strip() for w in words if w.strip()))
    notes = [text for text in fig.texts if text.get_text() != fig.get_suptitle()]
    if notes:
        parts.append("Text: " + text_in_reading_order(notes))
    return ". ".join(part for part in parts if part) + "."


def describe_figures_in_notebook() -> None:
    """In a Jupyter kernel, write each figure's figure_alt into the PNG it shows, as the
    image's "Description" (the site's build makes it the image's alt text)."""
    ipython = sys.modules.get("IPython")  # imported by every Jupyter kernel
    shell = ipython and ipython.get_ipython()
    if shell is None:
        return  # a plain Python session shows no figures inline
    plt.close(plt.figure())  # the inline backend sets up its PNG formatter on first use
    png = shell.display_formatter.formatters["image/png"]
    draw = png.lookup_by_type(Figure)
    png.for_type(Figure, lambda fig: draw(fig, metadata={"Description": figure_alt(fig)}))


describe_figures_in_notebook()
# --8<-- [end:figure_alt]
