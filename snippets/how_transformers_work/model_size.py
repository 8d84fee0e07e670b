"""Parameter counts computed from a model's configuration, part by part."""

# --8<-- [start:llama_parameters]
def llama_parameters(config) -> dict[str, int]:
    """Parameters of a Llama-architecture causal LM (SmolLM2) by part, from its config."""
    V, d_model, d_ff = config.vocab_size, config.hidden_size, config.intermediate_size
    n_heads, n_kv_heads = config.num_attention_heads, config.num_key_value_heads
    head_dim = getattr(config, "head_dim", None) or d_model // n_heads
    bias = int(config.attention_bias)

    W_query = d_model * n_heads * head_dim + bias * n_heads * head_dim
    W_key = W_value = d_model * n_kv_heads * head_dim + bias * n_kv_heads * head_dim  # grouped
    W_out = n_heads * head_dim * d_model + bias * d_model
    mlp = 3 * d_model * d_ff + int(config.mlp_bias) * (2 * d_ff + d_model)  # gate, up, down
    norms = 2 * d_model  # RMSNorm scales before attention and before the MLP

    L = config.num_hidden_layers
    return {
        "embedding": V * d_model,
        "attention": L * (W_query + W_key + W_value + W_out),
        "mlp": L * mlp,
        "norms": L * norms + d_model,  # + the final norm
        "lm_head": 0 if config.tie_word_embeddings else V * d_model,  # tied: the embedding
    }
# --8<-- [end:llama_parameters]


# --8<-- [start:numel]
import torch


def numel(model: torch.nn.Module) -> int:
    """The parameters a model really holds (a tied weight counts once)."""
    return sum(p.numel() for p in model.parameters())
# --8<-- [end:numel]


# --8<-- [start:other_parameters]
# Needs: how_transformers_work/model_size.py:llama_parameters
def bert_parameters(config, pooler: bool = True) -> dict[str, int]:
    """Parameters of a BERT encoder (BertModel, e.g. MiniLM) by part, from its config."""
    V, d_model, d_ff = config.vocab_size, config.hidden_size, config.intermediate_size
    L = config.num_hidden_layers
    layer_norm = 2 * d_model  # a scale and a shift
    return {
        "embedding": (V + config.max_position_embeddings + config.type_vocab_size) * d_model,
        "attention": L * 4 * (d_model * d_model + d_model),  # query, key, value, output
        "mlp": L * (d_model * d_ff + d_ff + d_ff * d_model + d_model),
        "norms": L * 2 * layer_norm + layer_norm,  # two per layer + the embeddings' norm
        "pooler": d_model * d_model + d_model if pooler else 0,  # dense + tanh on [CLS]
    }


def gpt2_parameters(config) -> dict[str, int]:
    """Parameters of GPT2LMHeadModel by part (the output layer is tied to the embedding)."""
    V, d_model, L = config.vocab_size, config.n_embd, config.n_layer
    d_ff = config.n_inner or 4 * d_model
    return {
        "embedding": (V + config.n_positions) * d_model,  # tokens and learned positions
        "attention": L * (d_model * 3 * d_model + 3 * d_model + d_model * d_model + d_model),
        "mlp": L * (d_model * d_ff + d_ff + d_ff * d_model + d_model),
        "norms": L * 2 * 2 * d_model + 2 * d_model,  # two LayerNorms per layer + the final one
    }


def distilbert_parameters(config) -> dict[str, int]:
    """Parameters of DistilBertModel by part: BERT without token types and pooler."""
    V, d_model, d_ff, L = config.vocab_size, config.dim, config.hidden_dim, config.n_layers
    return {
        "embedding": (V + config.max_position_embeddings) * d_model,
        "attention": L * 4 * (d_model * d_model + d_model),
        "mlp": L * (d_model * d_ff + d_ff + d_ff * d_model + d_model),
        "norms": L * 2 * 2 * d_model + 2 * d_model,
    }


COUNTERS = {"llama": llama_parameters, "bert": bert_parameters, "gpt2": gpt2_parameters,
            "distilbert": distilbert_parameters}


def parameters_from_config(config) -> dict[str, int]:
    """Parameters by part for any architecture in COUNTERS, from its config alone."""
    if config.model_type not in COUNTERS:
        raise ValueError(f"no parameter count for {config.model_type!r}; known: {sorted(COUNTERS)}")
    return COUNTERS[config.model_type](config)
# --8<-- [end:other_parameters]
