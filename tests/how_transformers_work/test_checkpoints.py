import pytest
import torch

from snippets.how_transformers_work.checkpoints import random_twin, same_architecture
from snippets.how_transformers_work.model_size import numel
from snippets.models import tiny_llama


def test_a_random_twin_has_the_architecture_but_not_the_weights(device):
    model = tiny_llama(seed=0, device=device.type)
    twin = random_twin(model, seed=1)
    assert same_architecture(model, twin) and numel(model) == numel(twin)
    assert twin.device == model.device and not twin.training
    ids = torch.tensor([[1, 5, 9, 13]], device=device)
    with torch.no_grad():
        assert not torch.allclose(model(ids).logits, twin(ids).logits)
    again = random_twin(model, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(twin.parameters(), again.parameters(),
                                                 strict=True))


def test_a_different_configuration_is_a_different_architecture(device):
    assert not same_architecture(tiny_llama(device=device.type),
                                 tiny_llama(device=device.type, num_hidden_layers=3))


def test_a_random_twin_draws_fresh_weights_with_the_configs_initializer_range(device):
    model = tiny_llama(seed=0, device=device.type)
    with torch.no_grad():  # a stand-in for training: move every weight away from its init
        for p in model.parameters():
            p.mul_(3)
    twin = random_twin(model, seed=1)
    matrices, norms = [], []
    for name, weight in twin.named_parameters():
        if name.endswith("proj.weight") or name.endswith("embed_tokens.weight"):
            matrices.append(name)
            assert weight.std().item() == pytest.approx(model.config.initializer_range, rel=0.1)
            assert weight.mean().abs().item() < 0.1 * model.config.initializer_range
        elif name.endswith("norm.weight"):
            norms.append(name)
            assert torch.all(weight == 1), name  # norms start as the identity scale
    # 2 layers of 7 projections (q, k, v, o, gate, up, down) and the embedding; 2 norms a
    # layer and the final one
    assert (len(matrices), len(norms)) == (2 * 7 + 1, 2 * 2 + 1)
