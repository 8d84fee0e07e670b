"""Small random-initialised models of real architectures (BERT, GPT-2, BART, T5, ViT, ...)."""

from snippets.models import get_device  # shown in lessons by its own section

# --8<-- [start:random_model]
# Needs: models.py:device
import torch
from transformers import PretrainedConfig, PreTrainedModel

# Layer counts and widths cut down so that each model builds and runs in a blink on a CPU;
# vocabularies match the real tokenizers we have offline (MiniLM's WordPiece for the
# BERT family, SmolLM2's byte-level BPE for GPT-2 and BART), so real text goes in.
SMALL_CONFIGS = {
    "bert": dict(vocab_size=30522, hidden_size=64, num_hidden_layers=2,
                 num_attention_heads=4, intermediate_size=128),
    "distilbert": dict(vocab_size=30522, dim=64, n_layers=2, n_heads=4, hidden_dim=128),
    "gpt2": dict(vocab_size=49152, n_embd=64, n_layer=2, n_head=4, n_positions=512,
                 bos_token_id=0, eos_token_id=0),
    "bart": dict(vocab_size=49152, d_model=64, encoder_layers=2, decoder_layers=2,
                 encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128,
                 decoder_ffn_dim=128, max_position_embeddings=512, bos_token_id=0,
                 pad_token_id=1, eos_token_id=2, decoder_start_token_id=2),  # as real BART's
    "t5": dict(vocab_size=49152, d_model=64, d_kv=16, d_ff=128, num_layers=2,
               num_decoder_layers=2, num_heads=4, pad_token_id=2, eos_token_id=2,
               decoder_start_token_id=2),
    "vit": dict(image_size=224, patch_size=16, hidden_size=64, num_hidden_layers=2,
                num_attention_heads=4, intermediate_size=128),
    "wav2vec2": dict(vocab_size=32, hidden_size=64, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=128,
                     conv_dim=(32, 32, 32), conv_stride=(5, 4, 4), conv_kernel=(10, 8, 8),
                     num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
                     do_stable_layer_norm=True, feat_extract_norm="layer"),
    "mask2former": dict(backbone_config=dict(model_type="swin", image_size=64, embed_dim=16,
                                             depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1],
                                             out_features=["stage1", "stage2", "stage3",
                                                           "stage4"]),
                        feature_size=32, mask_feature_size=32, hidden_dim=32,
                        encoder_feedforward_dim=64, dim_feedforward=64, encoder_layers=1,
                        decoder_layers=2, num_attention_heads=2, num_queries=8),
}
# The checkpoints these architectures are known by; online, `from_pretrained(name)` loads one.
REAL_CHECKPOINTS = {
    "bert": "google-bert/bert-base-uncased",
    "distilbert": "distilbert/distilbert-base-uncased",
    "gpt2": "openai-community/gpt2",
    "bart": "facebook/bart-large",
    "t5": "google-t5/t5-small",
    "vit": "google/vit-base-patch16-224",
    "wav2vec2": "facebook/wav2vec2-base-960h",
    "mask2former": "facebook/mask2former-swin-base-ade-semantic",  # semantic: a class per pixel
}


def random_model(model_class: type[PreTrainedModel], seed: int = 0, device: str | None = None,
                 **overrides) -> PreTrainedModel:
    """A small `model_class` (e.g. BertForMaskedLM) with random weights, on the chosen device."""
    config_class: type[PretrainedConfig] = model_class.config_class
    if config_class.model_type not in SMALL_CONFIGS:
        raise ValueError(f"no small configuration for {config_class.model_type!r}; "
                         f"known: {sorted(SMALL_CONFIGS)}")
    config = config_class(**{**SMALL_CONFIGS[config_class.model_type], **overrides})
    torch.manual_seed(seed)  # the same seed gives the same weights
    return model_class(config).to(get_device(device)).eval()
# --8<-- [end:random_model]


# --8<-- [start:real_model]
# Needs: models.py:device, random_models.py:random_model
from transformers import AutoConfig, PreTrainedModel


def real_model(model_class: type[PreTrainedModel], checkpoint: str | None = None,
               device: str | None = None) -> PreTrainedModel:
    """`model_class` with trained weights from the Hub (online): the counterpart of random_model."""
    model_type = model_class.config_class.model_type
    if checkpoint is None and model_type not in REAL_CHECKPOINTS:
        raise ValueError(f"name a checkpoint for {model_type!r}; known: {sorted(REAL_CHECKPOINTS)}")
    checkpoint = checkpoint or REAL_CHECKPOINTS[model_type]
    if AutoConfig.from_pretrained(checkpoint).model_type != model_type:
        raise ValueError(f"{checkpoint!r} is not a {model_type} checkpoint")
    return model_class.from_pretrained(checkpoint).to(get_device(device)).eval()
# --8<-- [end:real_model]
