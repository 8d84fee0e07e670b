"""pipeline() offline: text generation and chat, feature extraction and sentence similarity,
and summarization, translation and question answering the transformers 5 way."""

# --8<-- [start:generator]
from transformers import pipeline


def text_generator(model, tokenizer):
    """A text-generation pipeline around a loaded causal LM, on the model's device."""
    return pipeline("text-generation", model=model, tokenizer=tokenizer, device=model.device)
# --8<-- [end:generator]


# --8<-- [start:sentence_similarity]
import torch
from transformers import pipeline


def feature_extractor(model, tokenizer):
    """A feature-extraction pipeline: one vector per token, on the model's device."""
    return pipeline("feature-extraction", model=model, tokenizer=tokenizer, device=model.device)


def sentence_similarity(extractor, source: str, sentences: list[str]) -> list[float]:
    """Cosine similarity of `source` to each sentence: token vectors averaged, then compared."""
    vectors = []
    for text in [source] + sentences:
        tokens = torch.tensor(extractor(text)[0])  # (num_tokens, hidden_size)
        vectors.append(tokens.mean(dim=0))  # MiniLM's 1_Pooling/config.json: mean pooling
    vectors = torch.nn.functional.normalize(torch.stack(vectors), dim=-1)  # unit length:
    return (vectors[1:] @ vectors[0]).tolist()  # the dot product is the cosine
# --8<-- [end:sentence_similarity]


# --8<-- [start:checks]
ROLES = ("system", "user", "assistant")


def check_messages(messages) -> None:
    """Raise ValueError unless `messages` is a chat: a non-empty list of {"role", "content"}
    dicts with a known role and non-empty text, ending with the user's turn. Stricter than the
    chat format, which also allows extra keys, content in parts and an assistant's last turn."""
    if not isinstance(messages, list) or not messages:
        raise ValueError(f"messages must be a non-empty list of dicts, got {messages!r}")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise ValueError(f"message {i} must be a dict with keys 'role' and 'content', "
                             f"got {message!r}")
        if message["role"] not in ROLES:
            raise ValueError(f"message {i} has role {message['role']!r}; allowed: {ROLES}")
        if not isinstance(message["content"], str) or not message["content"].strip():
            raise ValueError(f"message {i} must have non-empty text content, got "
                             f"{message['content']!r}")
    if messages[-1]["role"] != "user":
        raise ValueError(f"the last message must be the user's, got {messages[-1]['role']!r}")


def check_text(name: str, text: str) -> str:
    """Raise ValueError unless `text` is a non-empty string; return it."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must be non-empty text, got {text!r}")
    return text
# --8<-- [end:checks]


# --8<-- [start:chat]
# Needs: what_transformers_can_do/pipelines.py:checks


def chat(generator, messages: list[dict], max_new_tokens: int = 40) -> str:
    """The assistant's greedy reply to a chat, through the pipeline and the chat template."""
    check_messages(messages)
    output = generator(messages, max_new_tokens=max_new_tokens, do_sample=False,
                       return_full_text=False)
    return output[0]["generated_text"]
# --8<-- [end:chat]


# --8<-- [start:summarize]
# Needs: what_transformers_can_do/pipelines.py:checks, what_transformers_can_do/pipelines.py:chat


def summarize(generator, text: str, max_new_tokens: int = 60) -> str:
    """Summarization without the removed pipeline: an instruction to an instruct model."""
    prompt = f"Summarize this text in one sentence:\n\n{check_text('text', text)}"
    return chat(generator, [{"role": "user", "content": prompt}], max_new_tokens)
# --8<-- [end:summarize]


# --8<-- [start:instructions]
# Needs: what_transformers_can_do/pipelines.py:checks, what_transformers_can_do/pipelines.py:chat


def translate(generator, text: str, target_language: str, max_new_tokens: int = 40) -> str:
    """Translation without the removed pipeline."""
    check_text("target_language", target_language)
    prompt = f"Translate this text to {target_language}:\n\n{check_text('text', text)}"
    return chat(generator, [{"role": "user", "content": prompt}], max_new_tokens)


def answer_question(generator, question: str, context: str, max_new_tokens: int = 30) -> str:
    """Question answering without the removed pipeline: the context goes into the prompt."""
    prompt = (f"Answer the question using the context.\n\nContext: {check_text('context', context)}"
              f"\n\nQuestion: {check_text('question', question)}")
    return chat(generator, [{"role": "user", "content": prompt}], max_new_tokens)
# --8<-- [end:instructions]


# --8<-- [start:error_message]
def error_message(function, *args, **kwargs) -> str:
    """Call `function`; return "no error" or the error's type and the first line of its text."""
    try:
        function(*args, **kwargs)
    except Exception as error:  # any error: it is shown to the reader, not handled
        text = str(error.args[0]) if error.args else ""
        return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"
    return "no error"
# --8<-- [end:error_message]
