"""The Transformer's history as a data table (with sources) and a timeline figure."""

# --8<-- [start:timeline]
# The notes' three families: GPT-like (auto-regressive), BERT-like (auto-encoding) and
# T5-like (sequence-to-sequence) models, named by the part of the Transformer they keep.
FAMILIES = {
    "decoder": "GPT-like: auto-regressive (decoder only)",
    "encoder": "BERT-like: auto-encoding (encoder only)",
    "encoder-decoder": "T5-like: sequence-to-sequence (encoder-decoder)",
}

# One row per model of the notes' list. `date` is when the model was first announced (a paper,
# blog post or event; year-month), which can come before its weights; `notes_date` is set where
# the notes give another month. `parameters` is the largest size published; `source` names
# where each date and size comes from. Cited, not measured.
TIMELINE = [
    dict(date="2017-06", model="Transformer", family="encoder-decoder", parameters=213e6,
         note="the original architecture, for translation",
         source="Vaswani et al., arXiv:1706.03762, Table 3 (the 'big' model)"),
    dict(date="2018-06", model="GPT", family="decoder", parameters=117e6,
         note="the first pre-trained Transformer model, fine-tuned on many tasks",
         source="Radford et al. 2018 (OpenAI); size from the GPT-2 paper, Table 2"),
    dict(date="2018-10", model="BERT", family="encoder", parameters=340e6,
         note="pre-trained to produce better representations of sentences",
         source="Devlin et al., arXiv:1810.04805, section 3 (BERT-large)"),
    dict(date="2019-02", model="GPT-2", family="decoder", parameters=1542e6,
         note="a bigger and better GPT",
         source="Radford et al. 2019 (OpenAI), Table 2"),
    dict(date="2019-08", model="DistilBERT", family="encoder", parameters=66e6,
         note="a distilled BERT: the notes' exception to 'bigger is better'",
         source="Hugging Face blog post and code, August 2019; "
                "Sanh et al., arXiv:1910.01108 (October 2019), Table 3"),
    dict(date="2019-10", model="T5", family="encoder-decoder", parameters=11e9,
         note="every task as text-to-text, multi-task sequence-to-sequence",
         source="Raffel et al., arXiv:1910.10683, section 3.7 (T5-11B)"),
    dict(date="2020-05", model="GPT-3", family="decoder", parameters=175e9,
         note="many tasks without fine-tuning (few-shot prompts)",
         source="Brown et al., arXiv:2005.14165, Table 2.1"),
    dict(date="2022-01", model="InstructGPT", family="decoder", parameters=175e9,
         note="GPT-3 trained to follow instructions",
         source="OpenAI, 27 January 2022; Ouyang et al., arXiv:2203.02155"),
    dict(date="2023-02", notes_date="2023-01", model="LLaMA", family="decoder",
         parameters=65.2e9,
         note="weights for researchers on request (non-commercial licence); several languages",
         source="Meta, 24 February 2023; Touvron et al., arXiv:2302.13971, Table 2"),
    dict(date="2023-09", notes_date="2023-03", model="Mistral 7B", family="decoder",
         parameters=7.3e9, note="a 7-billion-parameter model",
         source="Mistral AI, 27 September 2023; Jiang et al., arXiv:2310.06825"),
    dict(date="2024-05", model="Gemma 2", family="decoder", parameters=27e9,
         note="lightweight open models, 2B to 27B (9B and 27B weights out in June 2024, "
              "2B in July)",
         source="Google I/O, 14 May 2024; weights 27 June (9B, 27B) and 31 July 2024 (2B); "
                "Gemma Team, arXiv:2408.00118"),
    dict(date="2024-11", model="SmolLM2", family="decoder", parameters=1.7e9,
         note="compact models (135M to 1.7B) for phones and edge devices",
         source="Hugging Face model cards; Allal et al., arXiv:2502.02737"),
]


def decimal_year(date: str) -> float:
    """'2019-10' -> 2019.79 (the middle of the month), for plotting on a time axis."""
    year, month = (int(part) for part in date.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, got {month} in {date!r}")
    return year + (month - 0.5) / 12
# --8<-- [end:timeline]


# --8<-- [start:plot_timeline]
# Needs: how_transformers_work/history.py:timeline
import matplotlib.pyplot as plt

COLORS = {"decoder": "tab:orange", "encoder": "tab:blue", "encoder-decoder": "tab:green"}


def plot_timeline(timeline: list[dict], ax=None):
    """Each model at its date and published size (log scale), coloured by family."""
    ax = ax or plt.gca()
    for family, label in FAMILIES.items():
        rows = [row for row in timeline if row["family"] == family]
        ax.scatter([decimal_year(row["date"]) for row in rows],
                   [row["parameters"] for row in rows], color=COLORS[family], label=label, s=50)
    for row in timeline:
        ax.annotate(row["model"], (decimal_year(row["date"]), row["parameters"]),
                    textcoords="offset points", xytext=(6, -3), fontsize=9)
    ax.set_yscale("log")
    ax.set(xlabel="date first announced", ylabel="parameters (largest published size)",
           title="From the Transformer (June 2017) to SmolLM2 (November 2024)")
    ax.set_xlim(2017, 2025.7)  # room for the last label
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return ax
# --8<-- [end:plot_timeline]
