import pytest
import torch

from snippets.inference.decoding import chat_input_ids, decode, decode_step, greedy, prefill
from snippets.models import tiny_llama

PROMPTS = ["What is the capital of France?", "Write a haiku about the sea.",
           "Explain what a token is in one sentence."]


@pytest.mark.parametrize("question", PROMPTS)
def test_greedy_loop_equals_generate_on_smollm2(smollm2, question):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, question, model.device)
    ours = decode(model, input_ids, 30, eos_token_id=tokenizer.eos_token_id)
    theirs = model.generate(input_ids, do_sample=False, max_new_tokens=30)
    assert torch.equal(ours, theirs[:, input_ids.shape[1]:])


@pytest.mark.parametrize("seed", range(3))
def test_greedy_loop_equals_generate_on_a_tiny_llama(device, seed):
    model = tiny_llama(seed=seed, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    ours = decode(model, input_ids, 40)
    theirs = model.generate(input_ids, do_sample=False, max_new_tokens=40, eos_token_id=None)
    assert ours.shape == (1, 40)
    assert torch.equal(ours, theirs[:, 5:])


def test_greedy_takes_the_most_likely_token_of_each_row_or_of_one_row(device):
    logits = torch.tensor([[0.1, 2.0, 0.3], [5.0, -1.0, 4.9]], device=device)
    assert greedy(logits, None).tolist() == [1, 0]
    assert greedy(logits[1], None).tolist() == 0  # one row, (vocab_size,)


def test_prefill_and_decode_step_agree_with_a_full_forward_pass(device):
    model = tiny_llama(seed=0, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12]], device=device)
    logits, cache = prefill(model, input_ids[:, :3])
    assert logits.shape == (1, 256) and cache.get_seq_length() == 3
    step_logits, cache = decode_step(model, input_ids[:, 3], cache)
    assert cache.get_seq_length() == 4
    with torch.no_grad():
        full = model(input_ids).logits[:, -1]
    torch.testing.assert_close(step_logits, full, rtol=1e-4, atol=1e-4)


def test_chat_prompt_uses_the_template_on_the_model_device(smollm2):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, "Hi", device=model.device)
    assert input_ids.device == model.device
    text = tokenizer.decode(input_ids[0])
    assert text.startswith("<|im_start|>system\n") and text.endswith("<|im_start|>assistant\n")
    with pytest.raises(ValueError, match="user_message must be non-empty text, got ' '"):
        chat_input_ids(tokenizer, " ")


def test_choose_next_and_stop_see_the_prompt_and_every_token_so_far(device):
    """What a penalty or a stop sequence needs: the ids generated so far, prompt included."""
    model = tiny_llama(seed=0, device=device.type)
    prompt = torch.tensor([[1, 5, 9]], device=device)
    seen_by_choose, seen_by_stop = [], []

    def choose_next(logits, generated):
        seen_by_choose.append(generated[0].tolist())
        return logits.argmax(-1)

    def stop(generated):
        seen_by_stop.append(generated[0].tolist())
        return generated.shape[1] == 6  # after 3 new tokens
    new = decode(model, prompt, 10, choose_next=choose_next, stop=stop)[0].tolist()
    assert seen_by_choose == [[1, 5, 9], [1, 5, 9, *new[:1]], [1, 5, 9, *new[:2]]]
    assert seen_by_stop == [[1, 5, 9, *new[:1]], [1, 5, 9, *new[:2]], [1, 5, 9, *new]]


def test_bad_decode_arguments(device):
    model = tiny_llama(seed=0, device=device.type)
    with pytest.raises(ValueError, match="max_new_tokens must be >= 0, got -1"):
        decode(model, torch.tensor([[1]], device=device), -1)
    with pytest.raises(ValueError, match=r"^input_ids has shape \(1, 0\): the prompt must be "
                                         r"\(batch_size, num_tokens\) with at least one token$"):
        decode(model, torch.zeros(1, 0, dtype=torch.long, device=device), 5)
    with pytest.raises(ValueError, match="decode takes one prompt, got a batch of 2"):
        decode(model, torch.ones(2, 3, dtype=torch.long, device=device), 5)
    assert decode(model, torch.tensor([[1]], device=device), 0).shape == (1, 0)


def test_prompt_and_answer_take_consecutive_positions_of_one_window(device):
    model = tiny_llama(seed=0, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    answer = decode(model, input_ids, 6)
    logits, cache = prefill(model, input_ids)
    step_logits = [logits]
    for token in answer[0]:  # as the lesson does: each answer token goes through the cache
        logits, cache = decode_step(model, token[None], cache)
        step_logits.append(logits)
    assert cache.get_seq_length() == 5 + 6
    with torch.no_grad():  # one pass over prompt + answer: positions 0 .. 10 of one sequence
        full = model(torch.cat([input_ids, answer], dim=-1)).logits[0, 4:]
    torch.testing.assert_close(torch.cat(step_logits), full, rtol=1e-4, atol=1e-4)


def test_the_configured_window_is_not_a_table_of_positions(device):
    model = tiny_llama(seed=0, device=device.type)  # max_position_embeddings=512
    assert model.config.max_position_embeddings == 512
    assert all(p.shape[0] != 512 for p in model.parameters())  # no per-position parameter
    assert {name: tuple(b.shape) for name, b in model.named_buffers()} == {
        "model.rotary_emb.inv_freq": (8,), "model.rotary_emb.original_inv_freq": (8,)}
    input_ids = torch.randint(3, 256, (1, 600), generator=torch.Generator().manual_seed(0))
    logits, cache = prefill(model, input_ids.to(device))  # 600 > 512 positions: it still runs
    assert cache.get_seq_length() == 600 and torch.isfinite(logits).all()


def test_smollm2_has_no_learned_positions(smollm2):
    model, _ = smollm2
    outside_layers = [name for name, _ in model.named_parameters() if ".layers." not in name]
    assert outside_layers == ["model.embed_tokens.weight", "model.norm.weight"]
    assert {name: tuple(b.shape) for name, b in model.named_buffers()} == {
        "model.rotary_emb.inv_freq": (32,), "model.rotary_emb.original_inv_freq": (32,)}
    assert model.config.max_position_embeddings == 8192
