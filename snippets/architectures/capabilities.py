"""The notes' table of what modern LLMs can do, each capability tried on SmolLM2."""

# A lesson shows these by their own sections, included before ours.
from snippets.checks import require
from snippets.inference.decoding import chat_input_ids

# --8<-- [start:capabilities]
# The notes' capability table, with one short prompt for each (answers bounded, greedy).
CAPABILITIES = [
    dict(capability="Text generation",
         description="Creating coherent and contextually relevant text",
         prompt="Write one sentence about a robot who loves books.", max_new_tokens=25),
    dict(capability="Summarization", description="Condensing long documents into shorter versions",
         prompt="Summarize in one sentence: The Transformer architecture was introduced in "
                "2017 for translation. Models such as BERT and GPT then used it for many other "
                "tasks, and today it is the basis of most large language models.",
         max_new_tokens=30),
    dict(capability="Translation", description="Converting text between languages",
         prompt="Translate to Spanish: I love reading books.", max_new_tokens=15),
    dict(capability="Question answering",
         description="Providing answers to factual questions",
         prompt="What is the capital of France?", max_new_tokens=15),
    dict(capability="Code generation", description="Writing or completing code snippets",
         prompt="Write a Python function that returns the square of a number.",
         max_new_tokens=35),
    dict(capability="Reasoning", description="Working through problems step by step",
         prompt="I have 3 apples and I eat one. How many apples do I have left? "
                "Think step by step.", max_new_tokens=40),
    dict(capability="Few-shot learning",
         description="Learning from a few examples in the prompt",
         prompt="Classify the sentiment.\nText: I loved this film. Sentiment: positive\n"
                "Text: The food was awful. Sentiment: negative\n"
                "Text: What a wonderful day! Sentiment:", max_new_tokens=4),
]
# --8<-- [end:capabilities]


# --8<-- [start:ask]
# Needs: checks.py:require, inference/decoding.py:chat_prompt
import torch


def ask(model, tokenizer, prompt: str, max_new_tokens: int) -> str:
    """SmolLM2's greedy answer to one chat message, at most `max_new_tokens` tokens."""
    require(max_new_tokens >= 1, f"max_new_tokens must be at least 1, got {max_new_tokens}")
    input_ids = chat_input_ids(tokenizer, prompt, device=model.device)
    with torch.no_grad():
        output = model.generate(input_ids, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.decode(output[0, input_ids.shape[1]:], skip_special_tokens=True).strip()
# --8<-- [end:ask]
