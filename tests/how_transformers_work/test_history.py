import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from snippets.how_transformers_work.history import FAMILIES, TIMELINE, decimal_year, plot_timeline  # noqa: E402


def test_the_timeline_runs_from_june_2017_to_november_2024_in_order():
    dates = [row["date"] for row in TIMELINE]
    assert dates[0] == "2017-06" and dates[-1] == "2024-11" and dates == sorted(dates)
    assert [row["model"] for row in TIMELINE if row["date"].startswith("2019")] == [
        "GPT-2", "DistilBERT", "T5"]


def test_every_model_after_t5_and_since_2020_is_a_decoder():
    models = [row["model"] for row in TIMELINE]
    after_t5 = TIMELINE[models.index("T5") + 1:]
    assert len(after_t5) == 6 and {row["family"] for row in after_t5} == {"decoder"}
    assert {row["family"] for row in TIMELINE if row["date"] >= "2020"} == {"decoder"}
    assert {row["family"] for row in TIMELINE if row["date"] < "2020"} == set(FAMILIES)


def test_sizes_grew_three_orders_of_magnitude_from_gpt_to_gpt3_then_shrank():
    size = {row["model"]: row["parameters"] for row in TIMELINE}
    assert 1e3 < size["GPT-3"] / size["GPT"] < 1e4
    assert max(size.values()) == size["GPT-3"]
    assert all(size[m] < size["GPT-3"] / 5 for m in ("Mistral 7B", "Gemma 2", "SmolLM2"))


def test_every_row_has_a_family_a_size_and_a_source():
    for row in TIMELINE:
        assert row["family"] in FAMILIES and row["parameters"] > 0 and row["source"], row


def test_the_notes_families_of_the_models_they_name():
    family = {row["model"]: row["family"] for row in TIMELINE}
    assert family["GPT"] == family["GPT-2"] == family["SmolLM2"] == "decoder"
    assert family["BERT"] == family["DistilBERT"] == "encoder"
    assert family["T5"] == family["Transformer"] == "encoder-decoder"


def test_where_the_notes_give_another_month_it_is_kept():
    notes = {row["model"]: row["notes_date"] for row in TIMELINE if "notes_date" in row}
    assert notes == {"LLaMA": "2023-01", "Mistral 7B": "2023-03"}


def test_decimal_year_puts_a_month_at_its_middle():
    assert decimal_year("2017-06") == pytest.approx(2017 + 5.5 / 12)
    assert decimal_year("2024-12") < 2025 < decimal_year("2025-01")
    with pytest.raises(ValueError, match=r"month must be 1 to 12, got 13 in '2020-13'"):
        decimal_year("2020-13")


def test_plot_timeline_draws_one_point_per_model_on_a_log_axis():
    fig, ax = plt.subplots()
    plot_timeline(TIMELINE, ax=ax)
    assert ax.get_yscale() == "log"
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(TIMELINE)
    assert [t.get_text() for t in ax.texts] == [row["model"] for row in TIMELINE]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(FAMILIES.values())
    plt.close(fig)
