import pytest
import torch
from transformers import pipeline
from transformers.pipelines import get_supported_tasks

from snippets.models import minilm_checkpoint
from snippets.nlp_and_llms.embeddings import (
    cosine_similarities,
    pooling_config,
    sentence_embeddings,
)
from snippets.what_transformers_can_do.pipelines import (
    answer_question,
    chat,
    check_messages,
    error_message,
    feature_extractor,
    sentence_similarity,
    summarize,
    text_generator,
    translate,
)

FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def generator(smollm2):
    return text_generator(*smollm2)


def test_text_generation_continues_a_prompt_and_chats(generator, smollm2):
    model, tokenizer = smollm2
    assert generator.device.type == model.device.type
    output = generator("The capital of France is", max_new_tokens=5, do_sample=False)
    assert output[0]["generated_text"].startswith("The capital of France is Paris")
    reply = generator(FRANCE, max_new_tokens=12, do_sample=False)[0]["generated_text"]
    assert reply[:-1] == FRANCE
    assert reply[-1] == {"role": "assistant", "content": "The capital of France is Paris."}
    assert chat(generator, FRANCE, max_new_tokens=12) == "The capital of France is Paris."


class RecordingGenerator:
    """A stand-in for the text-generation pipeline: records each call, replies "ok"."""

    def __init__(self):
        self.calls = []

    def __call__(self, messages, **settings):
        self.calls.append((messages, settings))
        return [{"generated_text": "ok"}]


def test_summarize_translate_and_answer_are_chats_with_an_instruction(generator):
    recorder = RecordingGenerator()
    assert summarize(recorder, "The cat sat on the mat.", 8) == "ok"
    assert translate(recorder, "Good morning.", "French", 9) == "ok"
    assert answer_question(recorder, "Where is the cat?", "The cat is in the garden.", 10) == "ok"
    prompts = [messages[0]["content"] for messages, _ in recorder.calls]
    assert all(len(messages) == 1 and messages[0]["role"] == "user"
               for messages, _ in recorder.calls)  # one user turn: instruction and text
    assert prompts[0] == "Summarize this text in one sentence:\n\nThe cat sat on the mat."
    assert prompts[1] == "Translate this text to French:\n\nGood morning."
    assert prompts[2] == ("Answer the question using the context.\n\n"
                          "Context: The cat is in the garden.\n\nQuestion: Where is the cat?")
    # greedy, only the reply, and each call's own token budget
    assert [settings for _, settings in recorder.calls] == [
        {"max_new_tokens": n, "do_sample": False, "return_full_text": False} for n in (8, 9, 10)]
    context = "Marie lives in Lyon and works as a baker."
    assert "Lyon" in answer_question(generator, "Where does Marie live?", context, 20)


ARTICLE = ("The Eiffel Tower was built for the 1889 World's Fair in Paris. At 330 metres it "
           "was the tallest structure in the world until 1930. It is now one of the most "
           "visited monuments on Earth.")


def test_the_lessons_three_tasks_give_what_its_prose_says(generator, device):
    """Lesson 03 judges these outputs in its prose: a copied summary, a wrong translation and
    an answer right about 1889 that runs on. The site is built on the CPU."""
    if device.type != "cpu":
        pytest.skip("the page's outputs are the CPU build's; a GPU may round differently")
    summary = summarize(generator, ARTICLE, max_new_tokens=40)
    assert summary == ARTICLE.split(". ")[-1].replace("It", "The Eiffel Tower", 1)
    assert translate(generator, "The weather is nice today.", "French", 20) == (
        "L'avocado est bonjour.")
    answer = answer_question(generator, "When was the Eiffel Tower built?", ARTICLE, 30)
    assert answer.startswith("The Eiffel Tower was built in 1889, marking the 100th anniversary")
    assert not answer.endswith(".")  # cut off by the 30-token limit


def test_removed_and_unknown_tasks_and_empty_text_are_clear_errors(generator):
    removed = error_message(pipeline, "summarization")
    assert removed.startswith("KeyError: The task summarization has been removed from "
                              "transformers. Use the `text-generation` pipeline")
    assert error_message(pipeline, "no-such-task").startswith(
        "KeyError: Unknown task no-such-task, available tasks are ['any-to-any'")
    assert (error_message(summarize, generator, "   ")
            == "ValueError: text must be non-empty text, got '   '")
    with pytest.raises(ValueError, match="question must be non-empty text, got ''"):
        answer_question(generator, "", "Some context.")
    assert error_message(int, "7") == "no error"


@pytest.mark.parametrize(("messages", "message"), [
    ([], r"messages must be a non-empty list of dicts, got \[\]"),
    ({"role": "user", "content": "Hi"}, "messages must be a non-empty list of dicts"),
    ([["user", "Hi"]], r"message 0 must be a dict with keys 'role' and 'content', got \['user'"),
    ([{"role": "user"}], "message 0 must be a dict with keys 'role' and 'content'"),
    ([{"role": "robot", "content": "Hi"}], "message 0 has role 'robot'; allowed: "),
    ([{"role": "user", "content": " "}], "message 0 must have non-empty text content, got ' '"),
    ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
     "the last message must be the user's, got 'assistant'"),
])
def test_chats_of_the_wrong_shape_are_refused_before_the_pipeline(messages, message):
    with pytest.raises(ValueError, match=message):
        check_messages(messages)
    with pytest.raises(ValueError, match=message):
        chat(None, messages)  # refused before the generator is used


def test_the_pipeline_itself_gives_unclear_errors_for_bad_chats(generator):
    assert error_message(generator, [["user", "Hi"]], max_new_tokens=2).startswith("TypeError")
    assert error_message(generator, [], max_new_tokens=2).startswith("IndexError")
    assert error_message(generator, "", max_new_tokens=2) == "no error"  # generates from nothing


def test_sentence_similarity_from_features_equals_the_pooled_embeddings(minilm):
    model, tokenizer = minilm
    extractor = feature_extractor(model, tokenizer)
    features = extractor("I love you.")
    assert torch.tensor(features).shape == (1, 6, 384)  # [CLS] i love you . [SEP]
    sentences = ["I adore you.", "The train leaves at noon."]
    ours = sentence_similarity(extractor, "I love you.", sentences)
    embeddings = sentence_embeddings(model, tokenizer, ["I love you."] + sentences,
                                     pooling_config(minilm_checkpoint()))
    expected = cosine_similarities(embeddings)[0, 1:].tolist()
    assert ours == pytest.approx(expected, abs=1e-5) and ours[0] > ours[1]


def test_transformers_5_has_no_summarization_translation_or_question_answering_task():
    tasks = get_supported_tasks()
    assert not {"summarization", "translation", "question-answering"} & set(tasks)
    assert {"text-generation", "feature-extraction", "ner", "token-classification", "fill-mask",
            "zero-shot-classification", "image-classification",
            "automatic-speech-recognition"} <= set(tasks)
