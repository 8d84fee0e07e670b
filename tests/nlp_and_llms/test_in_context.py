from collections import Counter
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from snippets.models import minilm_checkpoint, smollm2_checkpoint, tiny_llama
from snippets.nlp_and_llms.in_context import (
    draw_shots,
    icl_messages,
    icl_scores,
    label_token_ids,
    load_examples,
    majority_accuracy,
    next_token_log_probs,
    next_token_log_probs_loop,
    scores,
    split_examples,
    summarise,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "icl_topics.csv"
LABELS = ["food", "music", "technology", "weather"]
INSTRUCTION = ("Classify the topic of the text as one of: food, music, weather, technology. "
               "Answer with one word.")


@pytest.fixture(scope="module")
def tokenizer():
    try:
        return AutoTokenizer.from_pretrained(smollm2_checkpoint())
    except ModuleNotFoundError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def tiny(device):
    """A random model of SmolLM2's architecture with SmolLM2's vocabulary."""
    return tiny_llama(seed=0, device=device.type, vocab_size=49152)


def test_the_labelled_set_is_balanced_and_has_no_duplicates():
    examples = load_examples(DATA)
    assert len(examples) >= 60 and len({text for text, _ in examples}) == len(examples)
    assert Counter(label for _, label in examples) == {label: 20 for label in LABELS}


def test_split_and_draws_are_balanced_disjoint_and_seeded():
    examples = load_examples(DATA)
    pool, test = split_examples(examples, pool_per_class=10, seed=0)
    assert list(pool) == LABELS and all(len(texts) == 10 for texts in pool.values())
    assert len(test) == 40
    assert Counter(label for _, label in test) == {label: 10 for label in LABELS}
    assert not {text for texts in pool.values() for text in texts} & {text for text, _ in test}
    assert split_examples(examples, 10, seed=0) == (pool, test)
    shots = draw_shots(pool, k=2, seed=5)
    assert Counter(label for _, label in shots) == {label: 2 for label in LABELS}
    assert shots == draw_shots(pool, k=2, seed=5) != draw_shots(pool, k=2, seed=6)
    assert draw_shots(pool, k=0, seed=0) == []
    # shuffled across labels: drawn label by label, the first shot would always be the first
    # label's, and each label's shots would sit together
    first_labels = {draw_shots(pool, k=2, seed=seed)[0][1] for seed in range(20)}
    assert len(first_labels) > 1
    assert any([label for _, label in draw_shots(pool, k=2, seed=seed)]
               != [label for label in pool for _ in range(2)] for seed in range(20))
    with pytest.raises(ValueError, match=r"pool_per_class must be in \[1, 19\], got 20"):
        split_examples(examples, pool_per_class=20)
    with pytest.raises(ValueError, match=r"k must be in \[0, 10\], got 11"):
        draw_shots(pool, k=11, seed=0)
    assert split_examples(examples, 10) == (pool, test)  # seed 0 by default
    assert len(draw_shots(pool, k=10, seed=0)) == 40  # the whole pool: every text, once each
    one_each, rest = split_examples(examples, pool_per_class=1)  # the smallest pool
    assert [len(texts) for texts in one_each.values()] == [1] * 4 and len(rest) == 76


def test_examples_keep_a_quoted_line_break_as_written(tmp_path):
    """csv needs newline="" to read a quoted field's line break as it is in the file."""
    path = tmp_path / "examples.csv"
    path.write_bytes(b'text,label\r\n"first line\r\nsecond line",food\r\n')
    assert load_examples(path) == [("first line\r\nsecond line", "food")]


def test_prompt_is_a_chat_of_shots_and_labels_start_with_different_tokens(tokenizer):
    messages = icl_messages(INSTRUCTION, [("Rain again.", "weather")], "A new phone.")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "weather" and messages[-1]["content"] == "A new phone."
    ids = label_token_ids(tokenizer, LABELS)
    assert [tokenizer.decode(i) for i in ids] == LABELS  # each label is a single token
    with pytest.raises(ValueError, match=r"labels \['sports', 's'\] must start with different"):
        label_token_ids(tokenizer, ["sports", "s"])


def test_a_template_that_does_not_render_prompts_as_prefix_and_suffix_is_refused():
    """The cached prefix is only right if every prompt starts with it as text: a template
    that opens with the number of messages does not."""
    counting = AutoTokenizer.from_pretrained(smollm2_checkpoint())
    counting.chat_template = ("{{ messages | length }}"
                              "{% for m in messages %}{{ m.content }}{% endfor %}")
    with pytest.raises(ValueError, match=r"^the chat template must render the prompt as "
                                         r"prefix \+ suffix$"):
        next_token_log_probs(None, counting, INSTRUCTION, [("Rain again.", "weather")], ["Hi."])


def test_label_tokens_leave_out_the_special_tokens_a_tokenizer_adds():
    """A tokenizer that starts every text with a special token ([CLS] for MiniLM's): the
    label's own first token is the one an answer would start with."""
    bert = AutoTokenizer.from_pretrained(minilm_checkpoint())
    assert bert("food")["input_ids"][0] == bert.cls_token_id
    assert [bert.decode(i) for i in label_token_ids(bert, ["food", "music"])] == ["food", "music"]


@pytest.mark.parametrize("k", [0, 1, 2])
def test_cached_batched_log_probs_equal_one_forward_pass_per_prompt(tokenizer, tiny, k):
    examples = load_examples(DATA)
    pool, test = split_examples(examples, pool_per_class=10, seed=0)
    shots = draw_shots(pool, k, seed=1)
    texts = [text for text, _ in test[::7]] + ["Short.", "A much longer text " * 5]  # padding
    direct = next_token_log_probs_loop(tiny, tokenizer, INSTRUCTION, shots, texts)
    cached = next_token_log_probs(tiny, tokenizer, INSTRUCTION, shots, texts)
    assert cached.shape == (len(texts), 49152)
    torch.testing.assert_close(cached, direct, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(cached.exp().sum(-1), torch.ones(len(texts), device=cached.device))
    assert torch.equal(cached.argmax(-1), direct.argmax(-1))


def test_the_instruction_and_shots_run_once_and_each_text_runs_without_them(tokenizer, tiny):
    shots = [("The new laptop has a fast processor.", "technology"), ("It is sunny.", "weather")]
    texts = ["I ate a bowl of pasta with cheese.", "Snow."]
    seen = []  # the token ids of each forward pass, as the embedding layer receives them
    hook = tiny.get_input_embeddings().register_forward_hook(
        lambda module, args, output: seen.append(args[0]))
    try:
        next_token_log_probs(tiny, tokenizer, INSTRUCTION, shots, texts)
    finally:
        hook.remove()
    prefix, batch = seen
    assert prefix.shape[0] == 1 and batch.shape[0] == len(texts)
    prefix_text = tokenizer.decode(prefix[0])
    assert INSTRUCTION in prefix_text and all(shot in prefix_text for shot, _ in shots)
    for row, text in zip(batch, texts, strict=True):
        suffix = tokenizer.decode(row)
        assert text in suffix and INSTRUCTION not in suffix
        assert not any(shot in suffix for shot, _ in shots)


def test_cached_log_probs_equal_direct_ones_on_smollm2(smollm2):
    model, tokenizer = smollm2
    texts = ["I ate a bowl of pasta with cheese.", "The drummer kept a steady beat.",
             "Snow is falling on the mountains."]
    shots = [("The new laptop has a fast processor.", "technology"), ("It is sunny.", "weather")]
    direct = next_token_log_probs_loop(model, tokenizer, INSTRUCTION, shots, texts)
    cached = next_token_log_probs(model, tokenizer, INSTRUCTION, shots, texts)
    label_ids = label_token_ids(tokenizer, LABELS)
    torch.testing.assert_close(cached[:, label_ids], direct[:, label_ids], rtol=1e-3, atol=1e-3)
    assert torch.equal(cached.argmax(-1), direct.argmax(-1))
    zero_shot = next_token_log_probs(model, tokenizer, INSTRUCTION, [], texts)[:, label_ids]
    assert [LABELS[i] for i in zero_shot.argmax(-1)] == ["food", "music", "weather"]


def test_scores_tell_the_forced_choice_from_the_models_own_answer():
    labels, label_ids = ["food", "music"], [1, 3]
    test = [("a", "food"), ("b", "music"), ("c", "food"), ("d", "music")]
    probs = torch.tensor([[0.1, 0.6, 0.1, 0.1, 0.1],  # food on top: both right
                          [0.5, 0.1, 0.1, 0.2, 0.1],  # token 0 on top; music beats food
                          [0.1, 0.2, 0.1, 0.3, 0.3],  # music beats food: wrong
                          [0.0, 0.1, 0.1, 0.8, 0.0]])  # music on top: both right
    result = scores(probs.log(), label_ids, test, labels)
    assert result["among labels"] == pytest.approx(3 / 4)
    assert result["answer"] == pytest.approx(2 / 4)
    assert result["on labels"] == pytest.approx((0.7 + 0.3 + 0.5 + 0.9) / 4)
    assert result["wrong labels"] == Counter({"music": 1})  # "c", food, chosen as music


def test_the_majority_baseline_comes_from_the_pool():
    test = [("a", "food"), ("b", "music"), ("c", "music")]
    assert majority_accuracy({"food": ["x", "y"], "music": ["z"]}, test) == pytest.approx(1 / 3)
    assert majority_accuracy({"food": ["x"], "music": ["y", "z"]}, test) == pytest.approx(2 / 3)
    assert majority_accuracy({"food": ["x"], "music": ["y"]}, test) == pytest.approx(1 / 3)  # tie
    pool, test = split_examples(load_examples(DATA), pool_per_class=10, seed=0)
    assert majority_accuracy(pool, test) == 0.25  # lesson 02: balanced, so the level of guessing


def test_each_draw_of_shots_has_a_seed_of_its_own(tokenizer, tiny):
    """Draw d of k shots per label is draw_shots(pool, k, seed=1000 k + d), three by default:
    the same shots on every run, and other shots for each draw and each k."""
    pool, test = split_examples(load_examples(DATA), pool_per_class=10, seed=0)
    test, texts = test[:4], [text for text, _ in test[:4]]
    results = icl_scores(tiny, tokenizer, INSTRUCTION, pool, test, [1, 2])
    assert [len(results[1]), len(results[2])] == [3, 3]
    label_ids = label_token_ids(tokenizer, list(pool))
    for k, d in [(1, 0), (1, 2), (2, 1)]:
        shots = draw_shots(pool, k, seed=1000 * k + d)
        log_probs = next_token_log_probs(tiny, tokenizer, INSTRUCTION, shots, texts)
        assert results[k][d] == scores(log_probs, label_ids, test, list(pool))


def test_scores_per_number_of_shots_and_their_table(tokenizer, tiny):
    pool, test = split_examples(load_examples(DATA), pool_per_class=10, seed=0)
    results = icl_scores(tiny, tokenizer, INSTRUCTION, pool, test[:8], [0, 1], draws=2)
    assert list(results) == [0, 1] and len(results[0]) == 1 and len(results[1]) == 2
    possible = {i / 8 for i in range(9)}  # accuracies on 8 test sentences
    for draw in results[0] + results[1]:
        assert draw["among labels"] in possible and draw["answer"] in possible
        assert draw["answer"] <= draw["among labels"]  # a top token that is right is a label
        assert 0 < draw["on labels"] < 1
    rows = summarise({0: [{"among labels": 1.0, "answer": 0.0, "on labels": 0.011}],
                      1: [{"among labels": 0.95, "answer": 0.5, "on labels": 0.5},
                          {"among labels": 1.0, "answer": 0.7, "on labels": 0.3}]}, baseline=0.25)
    assert rows == [
        {"shots per label": 0, "draws": 1, "forced choice": "100.0%",
         "model's own answer": "0.0%", "probability on the labels": "0.01"},
        {"shots per label": 1, "draws": 2, "forced choice": "97.5% (95–100)",
         "model's own answer": "60.0% (50–70)", "probability on the labels": "0.40"},
        {"shots per label": "majority label", "draws": "", "forced choice": "25.0%",
         "model's own answer": "25.0%", "probability on the labels": ""}]


def test_what_lesson_02_says_of_zero_and_few_shot(smollm2):
    """Zero-shot: right among the labels, but no label as the answer; examples teach the
    format; with four per label, a draw pulls many sentences to one wrong label."""
    model, tokenizer = smollm2
    pool, test = split_examples(load_examples(DATA), pool_per_class=10, seed=0)
    labels, texts = list(pool), [text for text, _ in test]
    label_ids = label_token_ids(tokenizer, labels)

    def run(k, seed):  # the lesson's draw `seed` of k shots per label
        shots = draw_shots(pool, k, seed=1000 * k + seed)
        log_probs = next_token_log_probs(model, tokenizer, INSTRUCTION, shots, texts)
        return log_probs, scores(log_probs, label_ids, test, labels)

    zero_log_probs, zero = run(0, 0)
    first_tokens = Counter(tokenizer.decode(i) for i in zero_log_probs.argmax(-1).tolist())
    assert zero["among labels"] >= 0.9 and zero["answer"] <= 0.1 and zero["on labels"] < 0.05
    assert first_tokens.most_common(1)[0][0] == "The"
    _, one = run(1, 1)  # the draw of one per label with the fewest right answers
    assert one["answer"] > 0.5 and one["among labels"] <= zero["among labels"]
    four_log_probs, four = run(4, 2)
    assert four["among labels"] < 0.9
    assert zero["on labels"] < one["on labels"] < four["on labels"]
    predictions = four_log_probs[:, label_ids].argmax(-1).tolist()
    wrong = Counter(labels[p] for p, (_, label) in zip(predictions, test, strict=True)
                    if labels[p] != label)  # the wrong predictions, by label
    assert wrong == four["wrong labels"]
    assert wrong.most_common(1)[0][1] >= 0.75 * sum(wrong.values()) >= 4


def test_sarcasm_scores_lesson_02_describes(smollm2):
    """The literal reviews on the right sides; the plain negative review of the tasks on the
    wrong one; the sarcastic review between its halves; and the opener "Oh" as the cue."""
    model, tokenizer = smollm2
    reviews = ["The battery died after two days and support never answered.",
               "I love this phone, the battery lasts for days.",
               "I hate this phone, the battery dies in an hour.",
               "Oh great, the battery died again after an hour. I just love charging it all day.",
               "Oh great, the battery died again after an hour.",
               "I just love charging it all day.",
               "The battery died again after an hour.",
               "Oh, the battery died again after an hour.",
               "The battery lasts for days.",
               "Oh great, the battery lasts for days.",
               "Great, the battery lasts for days.",
               "N/A"]
    instruction = "Is the sentiment of the review positive or negative? Answer with one word."
    log_probs = next_token_log_probs(model, tokenizer, instruction, [], reviews)
    ids = label_token_ids(tokenizer, ["positive", "negative"])
    (task_review, positive, negative, sarcastic, first_half, second_half, bad, oh_bad, good,
     oh_great_good, great_good, empty) = log_probs[:, ids].softmax(-1)[:, 0].tolist()
    assert task_review > 0.5  # wrong, as in the task it was asked in words
    assert 0.1 < negative < 0.5 < positive < 0.9  # right sides, neither with much confidence
    assert first_half < sarcastic < 0.5 < second_half  # leans negative, between its halves
    assert oh_bad < bad and oh_great_good < 0.5 < good < great_good  # "Oh" lowers, "Great" not
