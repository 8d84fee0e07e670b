"""What a pipeline does with text, by hand: preprocess, run the model, postprocess."""

# --8<-- [start:classification_steps]
import numpy as np
import torch


def classify_preprocess(tokenizer, text: str, device) -> dict:
    """1. Text to tensors: token ids and attention mask, on the model's device."""
    return tokenizer(text, truncation=True, return_tensors="pt").to(device)


def classify_forward(model, inputs: dict) -> torch.Tensor:
    """2. The model: one forward pass, one logit per label."""
    with torch.no_grad():
        return model(**inputs).logits[0]  # (num_labels,)


def classify_postprocess(logits: torch.Tensor, id2label: dict[int, str]) -> list[dict]:
    """3. Logits to what a person reads: labels with probabilities, the most likely first."""
    z = logits.float().cpu().numpy()
    exp_z = np.exp(z - z.max())  # softmax; shifting by the largest logit avoids overflow
    scores = exp_z / exp_z.sum()
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    return [{"label": id2label[i], "score": scores[i].item()} for i in ranked]
# --8<-- [end:classification_steps]


# --8<-- [start:generation_steps]
import torch


def generate_preprocess(tokenizer, messages: list[dict], device) -> dict:
    """1. A chat to tensors: the chat template, then token ids, ending where the reply starts."""
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                         return_tensors="pt", return_dict=True).to(device)


def generate_forward(model, inputs: dict, max_new_tokens: int) -> torch.Tensor:
    """2. The model: greedy decoding, one forward pass per new token."""
    with torch.no_grad():
        return model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)


def generate_postprocess(tokenizer, inputs: dict, output_ids: torch.Tensor) -> str:
    """3. The new token ids back to text, without the prompt and the special tokens."""
    new_ids = output_ids[0, inputs["input_ids"].shape[1]:]
    return tokenizer.decode(new_ids, skip_special_tokens=True)
# --8<-- [end:generation_steps]
