"""In-context learning: zero- and few-shot classification by an instruct model's next token."""

# --8<-- [start:examples]
import csv
import random
from collections import defaultdict
from pathlib import Path


def load_examples(path: str | Path) -> list[tuple[str, str]]:
    """(text, label) rows of a CSV file with columns `text` and `label`."""
    with open(path, newline="", encoding="utf-8") as file:
        return [(row["text"], row["label"]) for row in csv.DictReader(file)]


def split_examples(examples: list[tuple[str, str]], pool_per_class: int, seed: int = 0):
    """A pool of `pool_per_class` examples per label to draw shots from, and the rest to test."""
    by_label = defaultdict(list)
    for text, label in examples:
        by_label[label].append(text)
    smallest = min(len(texts) for texts in by_label.values())
    if not 1 <= pool_per_class < smallest:
        raise ValueError(f"pool_per_class must be in [1, {smallest - 1}], got {pool_per_class}")
    rng = random.Random(seed)
    pool = {label: rng.sample(texts, pool_per_class) for label, texts in sorted(by_label.items())}
    test = [(text, label) for text, label in examples if text not in pool[label]]
    return pool, test


def draw_shots(pool: dict[str, list[str]], k: int, seed: int) -> list[tuple[str, str]]:
    """`k` examples of every label from `pool`, in a random order."""
    if not 0 <= k <= min(len(texts) for texts in pool.values()):
        raise ValueError(f"k must be in [0, {min(len(t) for t in pool.values())}], got {k}")
    rng = random.Random(seed)
    shots = [(text, label) for label, texts in pool.items() for text in rng.sample(texts, k)]
    rng.shuffle(shots)
    return shots
# --8<-- [end:examples]


# --8<-- [start:prompt]
def icl_messages(instruction: str, shots: list[tuple[str, str]], text: str) -> list[dict]:
    """A chat: the instruction, each shot as a user turn answered by its label, then `text`."""
    messages = [{"role": "system", "content": instruction}]
    for shot_text, shot_label in shots:
        messages += [{"role": "user", "content": shot_text},
                     {"role": "assistant", "content": shot_label}]
    return messages + [{"role": "user", "content": text}]


def label_token_ids(tokenizer, labels: list[str]) -> list[int]:
    """The first token of each label, as the first token of an answer; they must differ."""
    ids = [tokenizer(label, add_special_tokens=False)["input_ids"][0] for label in labels]
    if len(set(ids)) != len(ids):
        raise ValueError(f"labels {labels} must start with different tokens, got ids {ids}")
    return ids
# --8<-- [end:prompt]


# --8<-- [start:score_loop]
# Needs: nlp_and_llms/in_context.py:prompt
import torch


def next_token_log_probs_loop(model, tokenizer, instruction: str, shots: list[tuple[str, str]],
                              texts: list[str]) -> torch.Tensor:
    """(num_texts, vocab_size) log-probabilities of the answer's first token: one forward pass
    per prompt."""
    rows = []
    for text in texts:
        messages = icl_messages(instruction, shots, text)
        input_ids = tokenizer.apply_chat_template(  # ends with "<|im_start|>assistant\n"
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )["input_ids"].to(model.device)
        with torch.no_grad():
            next_token_logits = model(input_ids).logits[0, -1]  # (vocab_size,)
        rows.append(next_token_logits.float().log_softmax(dim=-1))
    return torch.stack(rows)
# --8<-- [end:score_loop]


# --8<-- [start:score_cached]
# Needs: nlp_and_llms/in_context.py:prompt
import torch
from transformers import DynamicCache


def next_token_log_probs(model, tokenizer, instruction: str, shots: list[tuple[str, str]],
                         texts: list[str]) -> torch.Tensor:
    """(num_texts, vocab_size) log-probabilities of the answer's first token. The shared prefix
    (instruction and shots) runs once and its KV cache serves every text (the deep dive on
    examples in the prompt shows how); the texts run as one right-padded batch."""
    # 1. the prompts as text: a shared prefix, then one suffix per text
    prefix = tokenizer.apply_chat_template(icl_messages(instruction, shots, "")[:-1],
                                           tokenize=False)
    suffixes = []
    for text in texts:
        full = tokenizer.apply_chat_template(icl_messages(instruction, shots, text),
                                             add_generation_prompt=True, tokenize=False)
        if not full.startswith(prefix):
            raise ValueError("the chat template must render the prompt as prefix + suffix")
        suffixes.append(full[len(prefix):])  # "<|im_start|>user\n{text}<|im_end|>\n..."
    prefix_ids = tokenizer(prefix, add_special_tokens=False, return_tensors="pt")["input_ids"]
    batch = tokenizer(suffixes, add_special_tokens=False, padding=True, padding_side="right",
                      return_tensors="pt").to(model.device)
    # 2. the prefix, once: its keys and values in every layer
    cache = DynamicCache(config=model.config)
    with torch.no_grad():
        model(input_ids=prefix_ids.to(model.device), cache=cache, use_cache=True)
    # 3. every suffix against its own copy of that cache
    cache.batch_repeat_interleave(len(texts))  # (len(texts), kv_heads, prefix_len, head_dim)
    num_texts, prefix_length = len(texts), prefix_ids.shape[1]
    attention_mask = torch.cat([batch["attention_mask"].new_ones(num_texts, prefix_length),
                                batch["attention_mask"]], dim=1)
    with torch.no_grad():
        hidden = model.base_model(input_ids=batch["input_ids"], attention_mask=attention_mask,
                                  cache=cache, use_cache=True).last_hidden_state
        last = batch["attention_mask"].sum(dim=1) - 1  # each row's last real token
        last_hidden = hidden[torch.arange(num_texts, device=hidden.device), last]
        logits = model.get_output_embeddings()(last_hidden)  # (num_texts, vocab_size)
    return logits.float().log_softmax(dim=-1)
# --8<-- [end:score_cached]


# --8<-- [start:accuracies]
from collections import Counter

import torch


def scores(log_probs: torch.Tensor, label_ids: list[int], test: list[tuple[str, str]],
           labels: list[str]) -> dict:
    """Forced-choice accuracy, accuracy of the model's own first token, the mean probability
    on the labels, and the labels the forced choice gave wrongly (a Counter), from
    (num_texts, vocab_size) next-token log-probabilities."""
    gold = torch.tensor([labels.index(label) for _, label in test], device=log_probs.device)
    gold_ids = torch.tensor(label_ids, device=log_probs.device)[gold]  # (num_texts,)
    label_log_probs = log_probs[:, label_ids]  # (num_texts, num_labels)
    chosen = label_log_probs.argmax(dim=-1)  # the forced choice
    top_token = log_probs.argmax(dim=-1)  # what greedy decoding would write first
    return {"among labels": (chosen == gold).float().mean().item(),
            "answer": (top_token == gold_ids).float().mean().item(),
            "on labels": label_log_probs.exp().sum(dim=-1).mean().item(),
            "wrong labels": Counter(labels[c] for c in chosen[chosen != gold].tolist())}
# --8<-- [end:accuracies]


# --8<-- [start:evaluate]
# Needs: nlp_and_llms/in_context.py:examples, nlp_and_llms/in_context.py:prompt
# Needs: nlp_and_llms/in_context.py:score_cached, nlp_and_llms/in_context.py:accuracies
import statistics


def majority_accuracy(pool: dict[str, list[str]], test: list[tuple[str, str]]) -> float:
    """Accuracy on `test` of always answering the pool's most frequent label (ties: the first)."""
    majority = max(pool, key=lambda label: len(pool[label]))
    return sum(label == majority for _, label in test) / len(test)


def icl_scores(model, tokenizer, instruction: str, pool: dict[str, list[str]],
               test: list[tuple[str, str]], shots_per_class: list[int],
               draws: int = 3) -> dict[int, list[dict[str, float]]]:
    """{k: the scores on `test` for each of `draws` random choices of k shots per class}."""
    labels, texts = list(pool), [text for text, _ in test]
    label_ids = label_token_ids(tokenizer, labels)
    results = {}
    for k in shots_per_class:
        results[k] = []
        for seed in range(draws if k > 0 else 1):  # zero-shot has nothing to draw
            shots = draw_shots(pool, k, seed=1000 * k + seed)
            log_probs = next_token_log_probs(model, tokenizer, instruction, shots, texts)
            results[k].append(scores(log_probs, label_ids, test, labels))
    return results


def summarise(results: dict[int, list[dict[str, float]]], baseline: float) -> list[dict]:
    """Table rows, one per k: each accuracy's mean (lowest–highest over the draws), the mean
    probability on the labels; then the row of the `baseline` accuracy."""
    def spread(values: list[float]) -> str:
        mean = f"{statistics.mean(values):.1%}"
        low, high = 100 * min(values), 100 * max(values)
        return mean if len(values) == 1 else f"{mean} ({low:.3g}–{high:.3g})"

    rows = [{"shots per label": k, "draws": len(draws),
             "forced choice": spread([draw["among labels"] for draw in draws]),
             "model's own answer": spread([draw["answer"] for draw in draws]),
             "probability on the labels": f"{statistics.mean(d['on labels'] for d in draws):.2f}"}
            for k, draws in results.items()]
    return rows + [{"shots per label": "majority label", "draws": "",
                    "forced choice": f"{baseline:.1%}", "model's own answer": f"{baseline:.1%}",
                    "probability on the labels": ""}]
# --8<-- [end:evaluate]
