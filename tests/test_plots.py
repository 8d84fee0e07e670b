import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from snippets.plots import attention_heatmap, figure_alt, log_curves  # noqa: E402


def test_attention_heatmap_draws_tokens_and_values():
    fig, ax = plt.subplots()
    weights = torch.tensor([[1.0, 0.0], [0.25, 0.75]])
    attention_heatmap(weights, ["a", "b"], ax=ax, title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.00", "0.25", "0.75"]
    assert ax.images[0].get_array().shape == (2, 2) and ax.get_title() == "t"
    plt.close(fig)


def test_attention_heatmap_labels_queries_and_keys_of_a_cross_attention():
    fig, ax = plt.subplots()
    weights = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])  # 3 queries, 2 keys
    attention_heatmap(weights, ["I", "you"], ax=ax, query_tokens=["je", "t'", "</s>"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["I", "you"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["je", "t'", "</s>"]
    assert ax.images[0].get_array().shape == (3, 2) and ax.texts[2].get_text() == "0.20"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("key (attended to)", "query (attending)")
    plt.close(fig)
    fig, ax = plt.subplots()  # a translator's weights: labels the reader knows already
    attention_heatmap(weights, ["I", "you"], ax=ax, query_tokens=["je", "t'", "</s>"],
                      xlabel="encoder state (input word)", ylabel="decoder step (output word)")
    assert ax.get_xlabel() == "encoder state (input word)"
    assert ax.get_ylabel() == "decoder step (output word)"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"weights has shape \(3, 2\).*\(2, 2\)"):
        attention_heatmap(weights, ["I", "you"], query_tokens=["je", "t'"])


def test_attention_heatmap_rejects_a_matrix_that_does_not_fit_the_tokens():
    with pytest.raises(ValueError, match=r"weights has shape \(2, 3\).*\(2, 2\)"):
        attention_heatmap(torch.zeros(2, 3), ["a", "b"])


def test_log_curves_plots_each_curve_on_a_log_axis():
    fig, ax = plt.subplots()
    log_curves({"up": torch.tensor([1.0, 10.0]), "down": torch.tensor([1.0, 0.1])},
               xlabel="t", ylabel="v", title="c", ax=ax)
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.lines] == ["up", "down"]
    assert list(ax.lines[1].get_xdata()) == [1, 2]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one named curve"):
        log_curves({}, "t", "v", "c")


def test_figure_alt_names_the_title_axes_and_legend_of_a_chart():
    fig, ax = plt.subplots()
    log_curves({"eager": torch.tensor([1.0, 10.0]), "sdpa": torch.tensor([1.0, 2.0])},
               xlabel="prompt length", ylabel="peak memory", title="Memory of a prefill", ax=ax)
    assert figure_alt(fig) == ("Memory of a prefill; x axis prompt length (from 0.95 to 2.05); "
                               "y axis peak memory (from 0.891 to 11.2, log scale); "
                               "legend: eager, sdpa.")
    plt.close(fig)


def test_figure_alt_names_each_panel_its_tokens_and_a_diagrams_labels_top_to_bottom():
    fig, (chart, diagram) = plt.subplots(1, 2)
    fig.suptitle("Attention")
    attention_heatmap(torch.tensor([[1.0, 0.0]]), ["I", "you"], ax=chart, query_tokens=["je"])
    diagram.axis("off")
    diagram.text(0.2, 0.1, " decoder")
    diagram.text(0.2, 0.9, "encoder")
    assert figure_alt(fig) == (
        "Attention. Panel 1 of 2; x axis key (attended to) (I, you); "
        "y axis query (attending) (je); text: 1.00; 0.00. Panel 2 of 2; text: encoder; decoder.")
    plt.close(fig)


def test_figure_alt_leaves_out_an_axis_that_names_nothing():
    fig, (left, right) = plt.subplots(1, 2, sharey=True)
    for ax in (left, right):
        ax.barh(range(2), [0.7, 0.3])
        ax.set(xlabel="probability")
    left.set_yticks(range(2), ["cat", "dog"])
    assert figure_alt(fig) == (
        "Panel 1 of 2; x axis probability (from 0 to 0.735); y axis (cat, dog). "
        "Panel 2 of 2; x axis probability (from 0 to 0.735).")
    plt.close(fig)
