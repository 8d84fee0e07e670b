"""How Mask2Former turns its object queries into a class for every pixel."""

from snippets.checks import require  # shown in lessons by its own section

# --8<-- [start:semantic_segmentation]
# Needs: checks.py:require
import torch


def semantic_segmentation(class_queries_logits: torch.Tensor,
                          masks_queries_logits: torch.Tensor) -> torch.Tensor:
    """Class scores per pixel: each query's class probabilities times its mask probability.

    class_queries_logits: (batch_size, num_queries, num_classes + 1), the last is "no object";
    masks_queries_logits: (batch_size, num_queries, height, width)."""
    require(class_queries_logits.shape[:2] == masks_queries_logits.shape[:2],
            f"class logits {tuple(class_queries_logits.shape)} and mask logits "
            f"{tuple(masks_queries_logits.shape)} must share (batch_size, num_queries)")
    class_probs = class_queries_logits.softmax(dim=-1)[..., :-1]  # drop "no object"
    mask_probs = masks_queries_logits.sigmoid()  # how much each pixel belongs to each query
    return torch.einsum("bqc,bqhw->bchw", class_probs, mask_probs)  # (batch, classes, h, w)
# --8<-- [end:semantic_segmentation]


# --8<-- [start:query_heads]
import torch


def query_predictions(model, outputs) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask2Former's two predictions per object query, by hand: class logits and mask logits."""
    decoder = model.model.transformer_module.decoder
    queries = decoder.layernorm(outputs.transformer_decoder_last_hidden_state)  # (b, q, hidden)
    class_logits = model.class_predictor(queries)  # (b, q, num_labels + 1): "no object" last
    mask_embeddings = decoder.mask_predictor.mask_embedder(queries)  # (b, q, mask_dim): an MLP
    pixel_embeddings = outputs.pixel_decoder_last_hidden_state  # (b, mask_dim, h, w)
    # each query's mask: the dot product of its embedding with every pixel's embedding
    mask_logits = torch.einsum("bqc,bchw->bqhw", mask_embeddings, pixel_embeddings)
    return class_logits, mask_logits  # (b, q, num_labels + 1), (b, q, h, w)


def visible_pixels(mask_logits: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Masked attention: where each query may look in the next decoder layer. Its mask,
    resized to that layer's feature map, where the pixel's probability is at least 0.5."""
    resized = torch.nn.functional.interpolate(mask_logits, size=size, mode="bilinear",
                                              align_corners=False)
    return resized.sigmoid() >= 0.5  # (b, q, *size): True where the query may attend
# --8<-- [end:query_heads]
