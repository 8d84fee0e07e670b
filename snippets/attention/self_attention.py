"""Self-attention from scratch: scores, softmax, context vectors, Q/K/V, masks, heads."""

# A lesson shows require() by its own section (snippets/checks.py), included before ours.
from snippets.checks import require

# --8<-- [start:inputs]
import torch

inputs = torch.tensor(
    [[0.43, 0.15, 0.89],  # Your     (x^1)
     [0.55, 0.87, 0.66],  # journey  (x^2)
     [0.57, 0.85, 0.64],  # starts   (x^3)
     [0.22, 0.58, 0.33],  # with     (x^4)
     [0.77, 0.25, 0.10],  # one      (x^5)
     [0.05, 0.80, 0.55]]  # step     (x^6)
)
words = ["Your", "journey", "starts", "with", "one", "step"]
# --8<-- [end:inputs]


# --8<-- [start:checks]
# Needs: checks.py:require
import torch


def check_width(name: str, tensor: torch.Tensor, expected: int) -> None:
    """Raise ValueError unless the last dimension of `tensor` is `expected`."""
    require(tensor.shape[-1] == expected,
            f"{name} has shape {tuple(tensor.shape)}: its last dimension must be {expected}")


def check_batch(name: str, tensor: torch.Tensor, d_in: int, context_length: int) -> None:
    """Raise ValueError unless `tensor` is (batch_size, num_tokens <= context_length, d_in)."""
    require(tensor.dim() == 3,
            f"{name} has shape {tuple(tensor.shape)}: it must be (batch_size, num_tokens, {d_in})")
    check_width(name, tensor, d_in)
    require(tensor.shape[1] <= context_length,
            f"{name} has {tensor.shape[1]} tokens: at most context_length={context_length}")
# --8<-- [end:checks]


# --8<-- [start:scores_loop]
import torch


def attention_scores_loop(inputs: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """Scores of one query against every input, one dot product at a time."""
    attn_scores = []
    for x_i in inputs:  # torch.dot raises if x_i and the query differ in size
        attn_scores.append(torch.dot(x_i, query))  # token i against the query
    return torch.stack(attn_scores)  # (num_tokens,)
# --8<-- [end:scores_loop]


# --8<-- [start:scores_matmul]
# Needs: attention/self_attention.py:checks
import torch


def attention_scores(inputs: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """Scores of one query against every input, as one matrix-vector product."""
    check_width("query", query, inputs.shape[-1])
    return inputs @ query  # (num_tokens, d_in) @ (d_in,) -> (num_tokens,)
# --8<-- [end:scores_matmul]


# --8<-- [start:normalise]
import torch


def normalize_by_sum(attn_scores: torch.Tensor) -> torch.Tensor:
    """Weights that sum to 1 by dividing by the sum (breaks on negative scores)."""
    return attn_scores / attn_scores.sum(dim=-1, keepdim=True)


def softmax_naive(attn_scores: torch.Tensor) -> torch.Tensor:
    """Softmax straight from its formula: exp(x_i) / sum_j exp(x_j) (overflows for large x)."""
    return torch.exp(attn_scores) / torch.exp(attn_scores).sum(dim=-1, keepdim=True)
# --8<-- [end:normalise]


# --8<-- [start:context_vector]
import torch


def context_vector_loop(inputs: torch.Tensor, attn_weights: torch.Tensor) -> torch.Tensor:
    """Sum of the inputs weighted by attention, one token at a time."""
    context_vec = torch.zeros_like(inputs[0])  # (d_in,)
    for a_i, x_i in zip(attn_weights, inputs, strict=True):  # one weight per input
        context_vec += a_i * x_i
    return context_vec
# --8<-- [end:context_vector]


# --8<-- [start:all_context_vectors]
import torch


def simple_self_attention(inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention weights and context vectors of every token at once, with no trainable weights."""
    attn_scores = inputs @ inputs.T  # (num_tokens, num_tokens): all pairs of tokens
    attn_weights = torch.softmax(attn_scores, dim=-1)  # each row sums to 1
    context_vecs = attn_weights @ inputs  # (num_tokens, d_in)
    return attn_weights, context_vecs
# --8<-- [end:all_context_vectors]


# --8<-- [start:score_spread]
# Needs: checks.py:require
import torch


def score_spread(d_k: int, num_keys: int = 6, num_queries: int = 2000, seed: int = 0) -> dict:
    """How q.k spreads with d_k for independent unit-variance q, k, and what it does to softmax."""
    require(d_k >= 1 and num_keys >= 2 and num_queries >= 2,
            f"d_k must be at least 1, num_keys and num_queries at least 2, "
            f"got {d_k}, {num_keys} and {num_queries}")
    generator = torch.Generator().manual_seed(seed)
    queries = torch.randn(num_queries, 1, d_k, generator=generator)
    keys = torch.randn(num_queries, num_keys, d_k, generator=generator)
    scores = (queries @ keys.transpose(-2, -1))[:, 0]  # (num_queries, num_keys): q . k
    scaled = scores / d_k**0.5
    top = torch.softmax(scores, dim=-1).max(dim=-1).values  # (num_queries,): largest weight
    scaled_top = torch.softmax(scaled, dim=-1).max(dim=-1).values
    return {
        "std": scores.std().item(),  # grows like sqrt(d_k)
        "scaled_std": scaled.std().item(),  # about 1 whatever d_k
        "top_weight": top.mean().item(),
        "scaled_top_weight": scaled_top.mean().item(),
        # d alpha / d omega of the top weight against its own score: alpha (1 - alpha)
        "top_slope": (top * (1 - top)).mean().item(),
        "scaled_top_slope": (scaled_top * (1 - scaled_top)).mean().item(),
    }
# --8<-- [end:score_spread]


# --8<-- [start:scaled_dot_product]
# Needs: attention/self_attention.py:checks
import torch


def scaled_dot_product_attention(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    hide: torch.Tensor | None = None,
    dropout: torch.nn.Module | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Context vectors and weights; `hide` is True where a query must NOT see a key.

    torch.nn.functional.scaled_dot_product_attention's boolean `attn_mask` means the opposite
    (True: may attend): pass it `~hide`.
    """
    check_width("keys", keys, queries.shape[-1])
    require(keys.shape[-2] == values.shape[-2],
            f"keys have {keys.shape[-2]} tokens but values have {values.shape[-2]}: "
            "they must match")
    num_queries, num_keys = queries.shape[-2], keys.shape[-2]
    attn_scores = queries @ keys.transpose(-2, -1)  # (..., num_queries, num_keys)
    if hide is not None:
        require(hide.dtype == torch.bool and hide.shape == (num_queries, num_keys),
                f"hide is a {hide.dtype} tensor of shape {tuple(hide.shape)}: it must be "
                f"torch.bool of shape (num_queries, num_keys) = ({num_queries}, {num_keys})")
        attn_scores = attn_scores.masked_fill(hide, -torch.inf)  # exp(-inf) = 0
    d_k = keys.shape[-1]
    attn_weights = torch.softmax(attn_scores / d_k**0.5, dim=-1)  # scale keeps softmax soft
    if dropout is not None:
        attn_weights = dropout(attn_weights)  # training only: zero some, scale the rest up
    return attn_weights @ values, attn_weights
# --8<-- [end:scaled_dot_product]


# --8<-- [start:future_mask]
# Needs: checks.py:require
import torch


def future_mask(num_tokens: int, device: torch.device | str | None = None) -> torch.Tensor:
    """True above the diagonal: the keys in each query's future, to hide."""
    require(num_tokens >= 1, f"num_tokens must be at least 1, got {num_tokens}")
    ones = torch.ones(num_tokens, num_tokens, dtype=torch.bool, device=device)
    return torch.triu(ones, diagonal=1)  # row i: True at the keys j > i
# --8<-- [end:future_mask]


# --8<-- [start:self_attention]
# Needs: attention/self_attention.py:checks, attention/self_attention.py:scaled_dot_product
import torch
from torch import nn


class SelfAttention(nn.Module):
    """Self-attention with trainable query, key and value projections."""

    def __init__(self, d_in: int, d_out: int, qkv_bias: bool = False):
        super().__init__()
        self.d_in = d_in
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_width("x", x, self.d_in)
        queries = self.W_query(x)  # (num_tokens, d_out)
        keys = self.W_key(x)
        values = self.W_value(x)
        context_vecs, _ = scaled_dot_product_attention(queries, keys, values)
        return context_vecs
# --8<-- [end:self_attention]


# --8<-- [start:causal_attention]
# Needs: attention/self_attention.py:future_mask, attention/self_attention.py:checks
# Needs: attention/self_attention.py:scaled_dot_product
import torch
from torch import nn


class CausalAttention(nn.Module):
    """Self-attention over batches where each token sees only itself and earlier tokens."""

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, qkv_bias: bool = False
    ):
        super().__init__()
        self.d_in, self.context_length = d_in, context_length
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", future_mask(context_length), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_batch("x", x, self.d_in, self.context_length)
        batch_size, num_tokens, _ = x.shape
        queries = self.W_query(x)  # (batch_size, num_tokens, d_out)
        keys = self.W_key(x)
        values = self.W_value(x)
        mask = self.mask[:num_tokens, :num_tokens]
        context_vecs, _ = scaled_dot_product_attention(queries, keys, values, hide=mask,
                                                      dropout=self.dropout)
        return context_vecs
# --8<-- [end:causal_attention]


# --8<-- [start:multi_head_wrapper]
# Needs: attention/self_attention.py:causal_attention
import torch
from torch import nn


class MultiHeadAttentionWrapper(nn.Module):
    """Causal attention heads run one after another, their outputs side by side."""

    def __init__(self, d_in: int, head_dim: int, context_length: int, dropout: float,
                 num_heads: int):
        super().__init__()
        heads = [CausalAttention(d_in, head_dim, context_length, dropout)
                 for _ in range(num_heads)]  # each head: its own projections
        self.heads = nn.ModuleList(heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [head(x) for head in self.heads]  # (b, n, head_dim) each
        return torch.cat(outputs, dim=-1)  # (b, n, num_heads * head_dim)
# --8<-- [end:multi_head_wrapper]


# --8<-- [start:multi_head]
# Needs: attention/self_attention.py:future_mask, attention/self_attention.py:checks
# Needs: attention/self_attention.py:scaled_dot_product
import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    """All heads in one batched product: project, split into heads, attend, merge, project.

    `d_out` is the total width over all heads: each head gets head_dim = d_out // num_heads.
    """

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, num_heads: int,
        qkv_bias: bool = False, causal: bool = True,
    ):
        super().__init__()
        require(num_heads >= 1 and d_out % num_heads == 0,
                f"num_heads={num_heads} must be at least 1 and divide d_out={d_out}")
        self.d_in, self.d_out, self.context_length = d_in, d_out, context_length
        self.num_heads, self.head_dim, self.causal = num_heads, d_out // num_heads, causal
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)  # mixes what the heads found
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", future_mask(context_length), persistent=False)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(b, num_tokens, d_out) -> (b, num_heads, num_tokens, head_dim)."""
        batch_size, num_tokens, _ = x.shape
        return x.view(batch_size, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_batch("x", x, self.d_in, self.context_length)
        batch_size, num_tokens, _ = x.shape
        # 1. project, then split d_out into num_heads slices of head_dim
        queries = self.split_heads(self.W_query(x))
        keys = self.split_heads(self.W_key(x))
        values = self.split_heads(self.W_value(x))
        # 2. every head attends at once: (b, num_heads, num_tokens, head_dim)
        mask = self.mask[:num_tokens, :num_tokens] if self.causal else None
        context, _ = scaled_dot_product_attention(queries, keys, values, hide=mask,
                                                  dropout=self.dropout)
        # 3. put the heads side by side again and mix them
        context = context.transpose(1, 2).reshape(batch_size, num_tokens, self.d_out)
        return self.out_proj(context)
# --8<-- [end:multi_head]


# --8<-- [start:torch_multihead]
# Needs: attention/self_attention.py:multi_head
import torch
from torch import nn


def to_torch_multihead(ours: MultiHeadAttention) -> nn.MultiheadAttention:
    """torch.nn.MultiheadAttention holding the same weights as our MultiHeadAttention."""
    require(ours.d_in == ours.d_out and ours.W_query.bias is not None,
            f"torch's module needs d_in == d_out and qkv_bias=True, got d_in={ours.d_in}, "
            f"d_out={ours.d_out}, qkv_bias={ours.W_query.bias is not None}")
    theirs = nn.MultiheadAttention(ours.d_out, ours.num_heads, bias=True, batch_first=True)
    with torch.no_grad():  # torch keeps W_query, W_key, W_value stacked in one matrix
        theirs.in_proj_weight.copy_(
            torch.cat([ours.W_query.weight, ours.W_key.weight, ours.W_value.weight])
        )
        theirs.in_proj_bias.copy_(
            torch.cat([ours.W_query.bias, ours.W_key.bias, ours.W_value.bias])
        )
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs.to(ours.out_proj.weight.device).eval()
# --8<-- [end:torch_multihead]


# --8<-- [start:model_attention]
# Needs: checks.py:require
import torch


def model_attention(model, tokenizer, text: str) -> tuple[list[str], torch.Tensor]:
    """Tokens of `text` and a model's attention weights, (num_layers, num_heads, n, n)."""
    require(bool(text), "text must be a non-empty string, got ''")
    require(model.config._attn_implementation == "eager",
            f"attention weights need attn_implementation='eager', "
            f"the model uses {model.config._attn_implementation!r}")
    encoded = tokenizer(text, return_tensors="pt").to(model.device)
    with torch.no_grad():
        outputs = model(**encoded, output_attentions=True)
    weights = torch.stack(outputs.attentions)[:, 0]  # one (num_heads, n, n) tensor per layer
    tokens = [tokenizer.decode(token_id) for token_id in encoded["input_ids"][0]]
    return tokens, weights


def top_next_tokens(model, tokenizer, text: str, k: int = 5) -> list[tuple[str, float]]:
    """The k most likely tokens after `text`, with their probabilities."""
    require(bool(text) and k >= 1, f"text must be non-empty and k at least 1, got {text!r} and {k}")
    encoded = tokenizer(text, return_tensors="pt").to(model.device)
    with torch.no_grad():
        next_token_logits = model(**encoded).logits[0, -1]  # the last position predicts
    probs, token_ids = torch.softmax(next_token_logits, dim=-1).topk(k)
    return [(tokenizer.decode(i), p.item()) for p, i in zip(probs, token_ids, strict=True)]


def strongest_heads(
    weights: torch.Tensor, query_pos: int, key_pos: int, k: int = 3
) -> list[tuple[int, int, float]]:
    """The k (layer, head, weight) whose query at `query_pos` puts most weight on `key_pos`."""
    num_layers, num_heads, num_tokens, _ = weights.shape
    require(0 <= key_pos <= query_pos < num_tokens and 1 <= k <= num_layers * num_heads,
            f"need 0 <= key_pos <= query_pos < {num_tokens} and 1 <= k <= "
            f"{num_layers * num_heads}, got key_pos={key_pos}, query_pos={query_pos}, k={k}")
    scores = weights[:, :, query_pos, key_pos].flatten()  # one weight per head, all layers
    top = scores.topk(k)
    return [(*divmod(index.item(), num_heads), weight.item())
            for weight, index in zip(top.values, top.indices, strict=True)]
# --8<-- [end:model_attention]


# --8<-- [start:first_token_share]
# Needs: checks.py:require
import torch


def uniform_causal_weights(
    num_tokens: int, device: torch.device | str | None = None
) -> torch.Tensor:
    """Causal weights with no preference: query t gives 1/t to each of tokens 1..t."""
    require(num_tokens >= 1, f"num_tokens must be at least 1, got {num_tokens}")
    visible = torch.ones(num_tokens, num_tokens, device=device).tril()  # 1 where t may look
    return visible / visible.sum(dim=-1, keepdim=True)  # (num_tokens, num_tokens)


def first_token_share(weights: torch.Tensor) -> torch.Tensor:
    """Per (layer, head): the mean weight that queries 2..n put on the first token."""
    require(weights.dim() == 4 and weights.shape[-1] >= 2,
            f"weights has shape {tuple(weights.shape)}: it must be "
            "(num_layers, num_heads, num_tokens >= 2, num_tokens)")
    return weights[:, :, 1:, 0].mean(dim=-1)  # (num_layers, num_heads)
# --8<-- [end:first_token_share]
