import pytest
import torch

from snippets.nlp_and_llms.emergence import (
    addition_problems,
    addition_prompt,
    answer_token_hits,
    independent_exact_match,
    token_and_exact_accuracy,
)


def test_addition_problems_have_the_asked_digits_and_right_sums():
    problems = addition_problems(num_digits=3, count=5, seed=0)
    assert len(problems) == 5 and problems == addition_problems(3, 5, seed=0)
    for expression, answer in problems:
        a, b = (int(n) for n in expression.split(" + "))
        assert 100 <= a <= 999 and 100 <= b <= 999 and int(answer) == a + b
    assert all(0 <= int(e.split()[0]) <= 9 for e, _ in addition_problems(1, 20))
    with pytest.raises(ValueError, match=r"num_digits must be in \[1, 18\], got 0"):
        addition_problems(0, 3)


def test_all_tokens_hit_exactly_when_greedy_decoding_starts_with_the_answer(smollm2):
    model, tokenizer = smollm2
    problems = addition_problems(1, 4, seed=0) + addition_problems(4, 4, seed=0)
    hits = answer_token_hits(model, tokenizer, problems)
    for (expression, answer), hit in zip(problems, hits, strict=True):
        assert hit.shape == (len(answer),)  # one digit per token
        prompt = torch.tensor([addition_prompt(tokenizer, expression)], device=model.device)
        assert tokenizer.decode(prompt[0]).endswith(f"<|im_start|>assistant\n{expression} = ")
        output = model.generate(prompt, do_sample=False, max_new_tokens=len(answer))
        greedy = output[0, prompt.shape[1]:].tolist()
        target = tokenizer(answer, add_special_tokens=False)["input_ids"]
        assert bool(hit.all()) == (greedy == target)
        assert bool(hit[0]) == (greedy[0] == target[0])


def test_token_and_exact_accuracy():
    hits = [torch.tensor([True, True]), torch.tensor([True, False, True]), torch.tensor([False])]
    per_token, exact = token_and_exact_accuracy(hits)
    assert per_token == pytest.approx(4 / 6) and exact == pytest.approx(1 / 3)
    p = 4 / 6  # answers of 2, 3 and 1 tokens
    assert independent_exact_match(hits) == pytest.approx((p**2 + p**3 + p) / 3)
    assert independent_exact_match([torch.tensor([True, True])] * 2) == 1.0


def test_exact_match_falls_to_zero_before_per_token_accuracy_does(smollm2):
    model, tokenizer = smollm2  # lesson 02's problems for 1, 3 and 5 digits

    def accuracies(num_digits):
        problems = addition_problems(num_digits, count=10, seed=num_digits)
        return token_and_exact_accuracy(answer_token_hits(model, tokenizer, problems))

    one_digit, three_digits, five_digits = accuracies(1), accuracies(3), accuracies(5)
    assert one_digit[1] >= 0.5 and three_digits[1] == five_digits[1] == 0
    assert one_digit[0] > three_digits[0] > five_digits[0] > 0.1
    # by five digits, closer to guessing (one digit in ten) than to the one-digit level
    assert five_digits[0] - 0.1 < one_digit[0] - five_digits[0]
