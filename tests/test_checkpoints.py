import torch

from snippets.checkpoints import random_twin, same_architecture
from snippets.model_size import numel
from snippets.models import tiny_llama


def test_a_random_twin_has_the_architecture_but_not_the_weights(device):
    model = tiny_llama(seed=0, device=device.type)
    twin = random_twin(model, seed=1)
    assert twin.config.to_dict() == model.config.to_dict()
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
