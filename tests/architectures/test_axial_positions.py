import pytest
import torch
from transformers import ReformerConfig
from transformers.models.reformer.modeling_reformer import AxialPositionEmbeddings

from snippets.architectures.axial_positions import axial_encodings, axial_encodings_loop


def tables(device, n_1=4, d_1=3, n_2=5, d_2=2):
    generator = torch.Generator().manual_seed(0)
    return (torch.randn(n_1, d_1, generator=generator).to(device),
            torch.randn(n_2, d_2, generator=generator).to(device))


def test_axial_encodings_have_the_stated_shape_and_layout(device):
    E_1, E_2 = tables(device)
    encodings = axial_encodings(E_1, E_2, seq_len=20)
    assert encodings.shape == (20, 5)  # (n_1 * n_2, d_1 + d_2)
    torch.testing.assert_close(encodings, axial_encodings_loop(E_1, E_2, 20))
    torch.testing.assert_close(encodings[7], torch.cat([E_1[1], E_2[2]]))  # 7 = 1 * 5 + 2
    assert len({tuple(row.tolist()) for row in encodings}) == 20  # every position differs


def test_axial_encodings_equal_the_reformers(device):
    config = ReformerConfig(hidden_size=5, axial_pos_shape=(4, 5), axial_pos_embds_dim=(3, 2),
                            hidden_dropout_prob=0.0)
    theirs = AxialPositionEmbeddings(config).to(device).train()  # training: the full grid
    E_1, E_2 = tables(device)
    with torch.no_grad():
        theirs.weights[0].copy_(E_1[:, None, :])  # stored as (n_1, 1, d_1) and (1, n_2, d_2)
        theirs.weights[1].copy_(E_2[None, :, :])
        expected = theirs(torch.arange(20, device=device)[None])[0]
    torch.testing.assert_close(axial_encodings(E_1, E_2, 20), expected)


def test_a_length_the_factors_do_not_multiply_to_is_refused(device):
    E_1, E_2 = tables(device)
    for call in (axial_encodings, axial_encodings_loop):
        with pytest.raises(ValueError, match=r"seq_len=21 must equal .* 4 x 5 = 20"):
            call(E_1, E_2, 21)


def test_plot_axial_draws_three_panels_with_their_shapes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from snippets.architectures.axial_positions import plot_axial

    E_1, E_2 = tables("cpu")
    axes = plot_axial(E_1, E_2, axial_encodings(E_1, E_2, 20))
    assert [ax.get_title() for ax in axes] == ["E_1: (4, 3)", "E_2: (5, 2)", "encodings: (20, 5)"]
    assert axes[2].images[0].get_array().shape == (20, 5)
    limit = max(E_1.abs().max().item(), E_2.abs().max().item())
    assert [ax.images[0].get_clim() for ax in axes] == [(-limit, limit)] * 3  # one colour scale
    plt.close("all")
