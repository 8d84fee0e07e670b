import pytest
import torch
from transformers import Mask2FormerForUniversalSegmentation

from snippets.random_models import random_model
from snippets.solving_tasks.segmentation import (
    query_predictions,
    semantic_segmentation,
    visible_pixels,
)
from snippets.solving_tasks.task_heads import task_head


def test_semantic_segmentation_equals_mask2formers_post_processing(device):
    from transformers.models.mask2former.image_processing_pil_mask2former import (
        Mask2FormerImageProcessorPil,
    )

    model = random_model(Mask2FormerForUniversalSegmentation, device=device.type)
    pixels = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        outputs = model(pixel_values=pixels.to(device))
    assert tuple(outputs.class_queries_logits.shape) == (1, 8, 3)  # 2 classes + "no object"
    scores = semantic_segmentation(outputs.class_queries_logits, outputs.masks_queries_logits)
    assert scores.shape == (1, 2, 16, 16)
    # the library first scales the masks to 384 x 384, then does the same
    outputs.masks_queries_logits = torch.nn.functional.interpolate(
        outputs.masks_queries_logits, size=(384, 384), mode="bilinear", align_corners=False)
    ours = semantic_segmentation(outputs.class_queries_logits, outputs.masks_queries_logits)
    theirs = Mask2FormerImageProcessorPil().post_process_semantic_segmentation(
        outputs, return_segmentation_scores=True)[0]
    torch.testing.assert_close(ours[0], theirs.segmentation_scores)
    assert torch.equal(ours[0].argmax(0), theirs.segmentation)


def test_query_counts_must_agree():
    with pytest.raises(ValueError, match=r"class logits \(1, 8, 3\) and mask logits "
                                         r"\(1, 7, 4, 4\)"):
        semantic_segmentation(torch.zeros(1, 8, 3), torch.zeros(1, 7, 4, 4))


def test_the_class_and_mask_heads_by_hand_give_the_models_outputs(device):
    model = random_model(Mask2FormerForUniversalSegmentation, device=device.type)
    pixels = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        outputs = model(pixel_values=pixels)
        class_logits, mask_logits = query_predictions(model, outputs)
    torch.testing.assert_close(class_logits, outputs.class_queries_logits)
    torch.testing.assert_close(mask_logits, outputs.masks_queries_logits)
    head = task_head(model)  # both heads, the mask head found inside the base model
    decoder = model.model.transformer_module.decoder
    assert head["mask_embedder"] is decoder.mask_predictor.mask_embedder
    assert head["class_predictor"] is model.class_predictor


@pytest.mark.parametrize("size", [(16, 16), (8, 8), (4, 4)])
def test_visible_pixels_are_what_mask2formers_mask_predictor_lets_a_query_attend_to(size):
    model = random_model(Mask2FormerForUniversalSegmentation, device="cpu")
    pixels = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        outputs = model(pixel_values=pixels)
        _, mask_logits = query_predictions(model, outputs)
        decoder = model.model.transformer_module.decoder
        queries = decoder.layernorm(outputs.transformer_decoder_last_hidden_state)
        _, blocked = decoder.mask_predictor(queries.transpose(0, 1),
                                            outputs.pixel_decoder_last_hidden_state, size)
    visible = visible_pixels(mask_logits, size)
    num_heads = blocked.shape[0]  # (batch_size * num_heads, num_queries, h * w), True: blocked
    assert visible.shape == (1, model.config.num_queries, *size)
    assert 0 < visible.sum() < visible.numel()  # some pixels seen, some not: a real test
    for head in range(num_heads):
        assert torch.equal(~blocked[head], visible[0].flatten(1))
