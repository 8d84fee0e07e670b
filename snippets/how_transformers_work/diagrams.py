"""Lesson 04's concept diagram: the original Transformer, an encoder and a decoder joined by
cross-attention."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:encoder_decoder_diagram]
# Needs: checks.py:require
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

ATTENTION, CROSS, FEED_FORWARD, TOKEN = "#c6dbef", "#f6b26b", "#d9ead3", "#eeeeee"
BLOCK_WIDTH, BLOCK_HEIGHT = 4.6, 0.8


def _box(ax, x, y, text, color, gid, width=BLOCK_WIDTH, height=BLOCK_HEIGHT, fontsize=11):
    """A rounded block centred on (x, y), with its label."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.12", facecolor=color,
                                edgecolor="#444444", linewidth=1.0, gid=gid))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, gid=gid)


def _arrow(ax, start, end, gid="flow", color="#555555", width=1.2, **kwargs):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color,
                                 linewidth=width, gid=gid, **kwargs))


def _tokens(ax, x, y, tokens, gid):
    """A row of token boxes centred on x."""
    width = 1.1
    left = x - width * len(tokens) / 2
    for k, token in enumerate(tokens):
        ax.add_patch(Rectangle((left + k * width + 0.05, y - 0.3), width - 0.1, 0.6,
                               facecolor=TOKEN, edgecolor="#555555", linewidth=0.8, gid=gid))
        ax.text(left + (k + 0.5) * width, y, token, ha="center", va="center", fontsize=11,
                gid=gid)


def draw_encoder_decoder(source_tokens: list[str], target_tokens: list[str], next_token: str,
                         num_layers: int = 6):
    """The original Transformer: an encoder reads the source, a decoder reads the target so
    far and, through cross-attention, the encoder's features, and predicts the next token."""
    require(len(source_tokens) > 0 and len(target_tokens) > 0,
            "the source and the target need at least one token each")
    require(num_layers >= 1, f"num_layers must be at least 1, got {num_layers}")
    fig, ax = plt.subplots(figsize=(11.5, 7.4))
    fig.set_facecolor("white")  # readable in both colour schemes of the site
    enc_x, dec_x = 2.8, 10.6
    # the encoder: source tokens, then N layers of self-attention and feed-forward
    _tokens(ax, enc_x, 0, source_tokens, gid="source")
    _box(ax, enc_x, 1.3, "embeddings + positions", TOKEN, gid="encoder")
    ax.add_patch(Rectangle((enc_x - 2.75, 2.2), 5.5, 2.55, facecolor="none", edgecolor="#888888",
                           linestyle="--", gid="encoder_stack"))
    ax.text(enc_x - 2.9, 3.45, f"× {num_layers}", ha="right", va="center", fontsize=12,
            gid="layers")
    _box(ax, enc_x, 2.85, "self-attention:\neach source token sees all of them", ATTENTION,
         gid="encoder_self_attention", height=0.95)
    _box(ax, enc_x, 4.1, "feed-forward (each token alone)", FEED_FORWARD, gid="encoder")
    _box(ax, enc_x, 5.5, "features: one vector per source token", TOKEN,
         gid="encoder_features")
    ax.text(enc_x, 6.25, "ENCODER: understands the input", ha="center", fontsize=12,
            fontweight="bold", gid="title")
    for y0, y1 in [(0.3, 0.9), (1.7, 2.37), (3.33, 3.7), (4.5, 5.1)]:
        _arrow(ax, (enc_x, y0), (enc_x, y1))
    # the decoder: target so far, then N layers of masked self-attention, cross-attention and
    # feed-forward, then the output layer
    _tokens(ax, dec_x, 0, target_tokens, gid="target")
    _box(ax, dec_x, 1.3, "embeddings + positions", TOKEN, gid="decoder")
    ax.add_patch(Rectangle((dec_x - 2.75, 2.2), 5.5, 3.75, facecolor="none", edgecolor="#888888",
                           linestyle="--", gid="decoder_stack"))
    ax.text(dec_x + 2.9, 4.05, f"× {num_layers}", ha="left", va="center", fontsize=12,
            gid="layers")
    _box(ax, dec_x, 2.85, "masked self-attention:\neach sees only earlier target tokens",
         ATTENTION, gid="decoder_self_attention", height=0.95)
    _box(ax, dec_x, 4.1, "cross-attention:\neach sees every source position", CROSS,
         gid="cross_attention", height=0.95)
    _box(ax, dec_x, 5.35, "feed-forward (each token alone)", FEED_FORWARD, gid="decoder")
    _box(ax, dec_x, 6.65, "linear + softmax: a probability\nper vocabulary entry", TOKEN,
         gid="output_layer", height=0.95)
    _tokens(ax, dec_x, 7.85, [next_token], gid="next_token")
    ax.text(dec_x, -0.75, f"target so far, from {target_tokens[0]}", ha="center", fontsize=11,
            color="#333333", gid="caption")
    ax.text(enc_x, -0.75, "source sentence", ha="center", fontsize=11, color="#333333",
            gid="caption")
    ax.text(dec_x + 2.9, 7.85, "next token", ha="left", va="center", fontsize=11,
            color="#333333", gid="caption")
    ax.text(dec_x, 8.6, "DECODER: generates the output", ha="center", fontsize=12,
            fontweight="bold", gid="title")
    for y0, y1 in [(0.3, 0.9), (1.7, 2.37), (3.33, 3.62), (4.58, 4.95), (5.75, 6.17),
                   (7.13, 7.55)]:
        _arrow(ax, (dec_x, y0), (dec_x, y1))
    # cross-attention: the encoder's features reach every decoder layer
    _arrow(ax, (enc_x + BLOCK_WIDTH / 2, 5.5), (dec_x - BLOCK_WIDTH / 2, 4.1),
           gid="cross_arrow", color="#b45f06", width=2.2, connectionstyle="arc3,rad=-0.15")
    ax.text((enc_x + dec_x) / 2, 5.95, "the encoder's features,\nread by every\ndecoder layer",
            ha="center", va="bottom", fontsize=11, color="#7f4300", gid="cross_label")
    ax.set(xlim=(-0.6, 14.4), ylim=(-1.2, 9.0))
    ax.set_title("The original Transformer (2017): an encoder and a decoder, joined by "
                 "cross-attention", fontsize=12)
    ax.axis("off")
    fig.tight_layout()
    return fig
# --8<-- [end:encoder_decoder_diagram]
