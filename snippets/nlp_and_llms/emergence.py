"""Sharp and smooth metrics: exact match versus per-token accuracy on addition problems."""

# --8<-- [start:addition_problems]
import random


def addition_problems(num_digits: int, count: int, seed: int = 0) -> list[tuple[str, str]]:
    """`count` (expression, answer) pairs adding two random `num_digits`-digit numbers."""
    if not 1 <= num_digits <= 18:
        raise ValueError(f"num_digits must be in [1, 18], got {num_digits}")
    rng = random.Random(seed)
    low, high = 10 ** (num_digits - 1) if num_digits > 1 else 0, 10**num_digits - 1
    problems = []
    for _ in range(count):
        a, b = rng.randint(low, high), rng.randint(low, high)
        problems.append((f"{a} + {b}", str(a + b)))
    return problems
# --8<-- [end:addition_problems]


# --8<-- [start:answer_token_hits]
import torch


def addition_prompt(tokenizer, expression: str) -> list[int]:
    """Token ids of a chat asking for `expression`, with the reply begun as "a + b = "."""
    messages = [{"role": "user", "content": f"What is {expression}?"},
                {"role": "assistant", "content": f"{expression} = "}]
    return tokenizer.apply_chat_template(messages, continue_final_message=True,
                                         return_dict=True)["input_ids"]


def answer_token_hits(model, tokenizer, problems: list[tuple[str, str]]) -> list[torch.Tensor]:
    """For each (expression, answer): is each answer token the model's top choice, given the
    prompt and the right tokens before it (teacher forcing)? One batched forward pass."""
    prompt_ids = [addition_prompt(tokenizer, expression) for expression, _ in problems]
    answer_ids = [tokenizer(answer, add_special_tokens=False)["input_ids"]  # a digit a token
                  for _, answer in problems]
    sequences = [prompt + answer for prompt, answer in zip(prompt_ids, answer_ids, strict=True)]
    batch = tokenizer.pad({"input_ids": sequences}, padding_side="right",
                          return_tensors="pt").to(model.device)
    with torch.no_grad():
        logits = model(**batch).logits  # (num_problems, num_tokens, vocab_size)
    hits = []
    for row, (prompt, answer) in enumerate(zip(prompt_ids, answer_ids, strict=True)):
        # the logits at position t predict token t + 1
        predicted = logits[row, len(prompt) - 1 : len(prompt) + len(answer) - 1].argmax(dim=-1)
        hits.append(predicted.cpu() == torch.tensor(answer))
    return hits


def token_and_exact_accuracy(hits: list[torch.Tensor]) -> tuple[float, float]:
    """(share of answer tokens right, share of answers with every token right)."""
    per_token = torch.cat(hits).float().mean().item()
    exact_match = sum(bool(h.all()) for h in hits) / len(hits)
    return per_token, exact_match


def independent_exact_match(hits: list[torch.Tensor]) -> float:
    """The exact match to expect if every token were right with the per-token accuracy p,
    independently: the mean over the answers of p ** (the answer's number of tokens)."""
    per_token, _ = token_and_exact_accuracy(hits)
    return sum(per_token ** len(h) for h in hits) / len(hits)
# --8<-- [end:answer_token_hits]
