import pytest

from snippets.nlp_and_llms.chat import ask, chat_batch


def test_batched_answers_are_the_unbatched_greedy_ones(smollm2):
    model, tokenizer = smollm2
    answers = ask(model, tokenizer, ["What is the capital of France?",
                                     "Name one colour of the rainbow. Answer in one word."],
                  max_new_tokens=12)
    assert answers[0] == "The capital of France is Paris."  # as in test_models, unbatched


def test_prompts_are_left_padded_to_end_where_the_answer_starts(smollm2):
    _, tokenizer = smollm2
    batch = chat_batch(tokenizer, ["Hi", "A much longer question than the first one?"])
    assert batch["attention_mask"][0, 0] == 0 and batch["attention_mask"][:, -1].tolist() == [1, 1]
    for row in batch["input_ids"]:
        assert tokenizer.decode(row[-4:]) == "<|im_start|>assistant\n"


def test_bad_questions_are_refused(smollm2):
    model, tokenizer = smollm2
    with pytest.raises(ValueError, match=r"non-empty list of non-empty texts, got \[\]"):
        ask(model, tokenizer, [])
    with pytest.raises(ValueError, match="non-empty texts, got \\['ok', ''\\]"):
        ask(model, tokenizer, ["ok", ""])
    with pytest.raises(ValueError, match="max_new_tokens must be >= 1, got 0"):
        ask(model, tokenizer, ["ok"], max_new_tokens=0)


def test_the_answers_lesson_02_calls_wrong_are_wrong(smollm2):
    model, tokenizer = smollm2
    interpret, _ = ask(model, tokenizer, [
        "My guest looks at the open window and says: 'It's freezing in here.' What does my guest "
        "want me to do?", "Write one sentence about the sea."], max_new_tokens=30)
    assert not any(word in interpret.lower() for word in ["close", "shut", "window"])
    sentiment, entities, blank, french = ask(model, tokenizer, [
        "Is this review positive or negative? "
        "'The battery died after two days and support never answered.'",
        "List the people, places and organisations in this sentence: "
        "'Marie Curie worked at the University of Paris with Pierre Curie.'",
        "Fill in the blank with one word: 'I drink my coffee with milk and ___.'",
        "Translate to French: 'I love you.'"], 30)  # the batches of lesson 02
    assert "negative" not in sentiment.lower()
    assert "University of Paris" not in entities
    assert "milk and" not in blank and "___" not in blank  # the blank is dropped, not filled
    assert "t'aime" not in french.lower()
