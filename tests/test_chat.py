import pytest

from snippets.chat import ask, chat_batch


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
