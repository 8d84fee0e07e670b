"""How Mask2Former turns its object queries into a class for every pixel."""

# --8<-- [start:semantic_segmentation]
import torch


def semantic_segmentation(class_queries_logits: torch.Tensor,
                          masks_queries_logits: torch.Tensor) -> torch.Tensor:
    """Class scores per pixel: each query's class probabilities times its mask probability.

    class_queries_logits: (batch_size, num_queries, num_classes + 1), the last is "no object";
    masks_queries_logits: (batch_size, num_queries, height, width)."""
    if class_queries_logits.shape[:2] != masks_queries_logits.shape[:2]:
        raise ValueError(f"class logits {tuple(class_queries_logits.shape)} and mask logits "
                         f"{tuple(masks_queries_logits.shape)} must share "
                         "(batch_size, num_queries)")
    class_probs = class_queries_logits.softmax(dim=-1)[..., :-1]  # drop "no object"
    mask_probs = masks_queries_logits.sigmoid()  # how much each pixel belongs to each query
    return torch.einsum("bqc,bqhw->bchw", class_probs, mask_probs)  # (batch, classes, h, w)
# --8<-- [end:semantic_segmentation]
