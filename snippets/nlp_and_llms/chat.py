"""Asking an instruct model: questions through its chat template, answers by greedy decoding."""

# --8<-- [start:ask]
import torch


def chat_batch(tokenizer, questions: list[str], device: torch.device | str = "cpu") -> dict:
    """One-message chats through the chat template, left-padded into one batch."""
    if not questions or any(not isinstance(q, str) or not q.strip() for q in questions):
        raise ValueError(f"questions must be a non-empty list of non-empty texts, got {questions}")
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": question}],
                                             add_generation_prompt=True, tokenize=False)
               for question in questions]
    # left padding: every prompt ends in the last column, where its answer starts
    return tokenizer(prompts, padding=True, padding_side="left", add_special_tokens=False,
                     return_tensors="pt").to(device)


def ask(model, tokenizer, questions: list[str], max_new_tokens: int = 40) -> list[str]:
    """The model's greedy answer to each question, all generated in one batch."""
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    batch = chat_batch(tokenizer, questions, model.device)
    with torch.no_grad():
        output = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False)
    answers = output[:, batch["input_ids"].shape[1]:]  # (num_questions, new tokens)
    return tokenizer.batch_decode(answers, skip_special_tokens=True)
# --8<-- [end:ask]
