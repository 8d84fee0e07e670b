"""The glossary has an entry for every term of the notes and of each core lesson's summary."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
# The study notes the lessons follow (a copy in notes/; LLM_COURSE_NOTES names another).
NOTES = Path(os.environ.get("LLM_COURSE_NOTES", ROOT / "notes" / "chapter1-notes.md"))
CORE_LESSONS = [p for p in sorted((ROOT / "lessons").glob("*.md"))
                if "-deep-dive-" not in p.stem and not p.stem.endswith("-quiz")]

# A term spelt differently where it is marked and in the glossary: the spelling where it is
# marked, lower case, and the glossary entry that explains it.
ALIASES = {
    # the notes' spellings
    "architecture vs checkpoints": "Architecture",
    "attention computation": "Decode",  # the notes' steps of a decode step
    "probability calculation": "Decode",
    "token selection": "Decode",
    "continuation check": "Decode",
    "the decode phase": "Decode",
    "attention layers": "Attention",
    "attention mechanism": "Attention",
    "the role of attention": "Attention",
    "available pipelines": "Pipeline",
    "causal language modeling": "Causal language modelling",
    "masked language modeling": "Masked language modelling",
    "context": "Context length",
    "context length or attention span": "Context length",
    "context windows": "Context length",
    "the context length challenge": "Context length",
    "decoder-only models": "Decoder",
    "encoder models": "Encoder",
    "encoder-only models": "Encoder",
    "embedded conversion": "Embedding",
    "emergent capabilities": "Emergent abilities",
    "end-of-sequence detection": "End-of-sequence token",
    "gp1-like": "Auto-regressive model",  # "GPT-like", as the notes' scan spells it
    "general transformer architecture": "Transformer",
    "transformer architecture": "Transformer",
    "the original architecture": "Transformer",
    "hallucinations": "Hallucination",
    "initial processing": "Prefill",
    "the prefill phase": "Prefill",
    "large language models": "Large language model (LLM)",
    "nodern large language models": "Large language model (LLM)",  # "Modern", misspelt
    "memory usage": "VRAM",
    "vram usage": "VRAM",
    "pre-training of encoder": "Masked language modelling",
    "raw logits": "Logits",
    "sampling strategies": "Sampling",
    "self attention": "Self-attention",
    "temperature control": "Temperature",
    "the art of prompting": "Prompting",
    "the two phase inference process": "Inference",
    "tokenization": "Tokenizer",
    "top-k filtering": "Top-k sampling",
    "top-p": "Top-p (nucleus) sampling",
    "transfer learning / fine-tuning": "Fine-tuning",
    # lesson 08's "What to remember"
    "presence": "Presence penalty",
    "frequency": "Frequency penalty",
    "top-k": "Top-k sampling",
    "end-of-sequence": "End-of-sequence token",
    "memory": "VRAM",
}
# Phrases that the rules below mark as terms but that name no idea to explain: each with why.
NOT_TERMS = {
    **dict.fromkeys(["Introduction", "Example", "Examples", "Note", "Input", "Source",
                     "Source of Image", "Image Source", "Key Performance Metrics",
                     "Examples: - Hugging Face SmolLM Series"], "a label"),
    **dict.fromkeys(["June 2018", "October 2018", "February 2019", "October 2019", "May 2020",
                     "January 2022", "January 2023", "March 2023", "May 2024",
                     "November 2024"], "a date of the Transformer history"),
    **dict.fromkeys(["GP1-4", "Training Size", "No. of Parameters", "GPT-2"],
                    "a model's name or figures (lessons 01 and 06 show them)"),
    **dict.fromkeys(["A supplementary lecture", "Bias and limitations",
                     "Choosing the right architecture",
                     "Controlling Generation Length: Setting Boundaries",
                     "How do Transformers work", "Inference with LLMs", "Limitations",
                     "Managing Repetition: Keeping Output Fresh",
                     "Natural Language Processing and Large Language Models",
                     "Practical Challenges and Optimization", "Solving Tasks with Transformers",
                     "The Rise of Large Language Models",
                     "To further study: The carbon footprint of transformer",
                     "Three main architectures", "Transformer History",
                     "Transformers are big models", "Transformers are language models",
                     "Transformers, what can they do", "Understanding the Basics",
                     "Understanding Token Selection: From Probabilities to Token Choices",
                     "We are going to study"],
                    "a section's title; its terms are entries of their own"),
    **dict.fromkeys(["What happens when we pass some text to pipeline", "What is NLP",
                     "Why NOT Pre-train", "Why is language processing challenging"],
                    "a question a section answers"),
    **dict.fromkeys(["Also known as auto-rearessive models", "Build tasks specific models",
                     'Have "bi-directional" attention', "It is affected by",
                     "Uses only decoder part of transformer",
                     "We can control in following ways", "Processing Speed",
                     "Resource Allocation"],
                    "the start of a sentence, not a name"),
    **dict.fromkeys(["Scale", "General capabilities", "Lack of true understanding",
                     "Computational resources"],
                    "a property of LLMs in plain words (lesson 02)"),
}


def entries() -> list[str]:
    """The glossary's entry names: the lines that a definition (`:   ...`) follows."""
    return re.findall(r"^(\S[^\n]*)\n:   ", GLOSSARY.read_text(encoding="utf-8"), re.M)


def spellings(name: str) -> set[str]:
    """How a term may be written and still name `name`: in any case, with hyphens or spaces,
    as the name without its brackets or as what they hold ("Large language model (LLM)")."""
    forms = [re.sub(r"\s*\(.*?\)", "", name), *re.findall(r"\((.*?)\)", name)]
    return {re.sub(r"[-\s]+", " ", form.lower()).strip() for form in forms}


def explained(term: str, names: list[str]) -> bool:
    term = ALIASES.get(term.lower(), term)
    return bool(spellings(term) & set().union(*map(spellings, names)))


def notes_terms(text: str) -> set[str]:
    """The terms the notes mark: a phrase set in bold, a heading, or the words before the
    colon of a line (or list item) that defines them ("VRAM Usage: How much GPU memory")."""
    bold = re.findall(r"\*\*(.+?)\*\*", text)
    headings = re.findall(r"^#+\s+(.+)$", text, re.M)
    defined = re.findall(r"^\s*(?:-\s+)?([A-Za-z][^:\n]{0,40}?):\s+\S", text, re.M)
    cleaned = {re.sub(r"[^\w)]+$", "", phrase.strip()) for phrase in bold + headings + defined}
    return cleaned - {""}


def remembered_terms(lesson: Path) -> set[str]:
    """The bold terms of a lesson's "What to remember" section."""
    text = lesson.read_text(encoding="utf-8")
    section = re.search(r"^## What to remember\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return set(re.findall(r"\*\*(.+?)\*\*", section[1])) if section else set()


def test_every_core_lesson_has_a_what_to_remember_section():
    missing = [p.stem for p in CORE_LESSONS
               if not re.search(r"^## What to remember$", p.read_text(encoding="utf-8"), re.M)]
    assert missing == []


@pytest.mark.parametrize("lesson", CORE_LESSONS, ids=lambda p: p.stem)
def test_every_term_a_lesson_asks_to_remember_is_in_the_glossary(lesson):
    names = entries()
    assert sorted(t for t in remembered_terms(lesson) if not explained(t, names)) == []


def test_every_term_of_the_notes_is_in_the_glossary():
    if not NOTES.exists():
        pytest.skip(f"the notes are not at {NOTES} (set LLM_COURSE_NOTES)")
    names = entries()
    terms = notes_terms(NOTES.read_text(encoding="utf-8"))
    assert sorted(t for t in terms - set(NOT_TERMS) if not explained(t, names)) == []


def test_the_tables_hold_nothing_stale():
    """Every alias leads to an entry, and every phrase set aside is still in the notes."""
    names = entries()
    assert [a for a, name in ALIASES.items() if name not in names] == []
    if NOTES.exists():
        assert set(NOT_TERMS) - notes_terms(NOTES.read_text(encoding="utf-8")) == set()


def test_spellings_match_in_any_case_with_hyphens_or_spaces_and_brackets():
    names = ["Large language model (LLM)", "Top-k sampling", "Decoder"]
    assert explained("large language model", names)
    assert explained("LLM", names)
    assert explained("top k Sampling", names)
    assert not explained("Decoders", names)  # a plural is an alias, where a source has one
    assert not explained("Encoder", names)
    assert not explained("Top", names)  # a part of a name is not the name
