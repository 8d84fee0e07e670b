import pytest
import torch
from transformers import StaticCache

from snippets.inference.decoding import chat_input_ids, decode
from snippets.inference.static_decode import (
    compile_decode_step,
    static_decode,
    static_generate_kwargs,
)
from snippets.models import tiny_llama


@pytest.fixture(scope="module")
def tiny(device):
    return tiny_llama(seed=1, device=device.type)


def greedy_generate(model, input_ids, max_new_tokens, **kwargs):
    """New tokens of the default greedy generate(): it stops at the model's end-of-sequence
    token, unless kwargs say otherwise (eos_token_id=None: never)."""
    output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
                            max_new_tokens=max_new_tokens, **kwargs)
    return output[:, input_ids.shape[1]:]


@pytest.mark.parametrize("seed", range(3))
def test_static_decode_gives_the_tokens_of_generate(device, seed):
    model = tiny_llama(seed=seed, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    ours = static_decode(model, input_ids, 30)  # no end-of-sequence rule: exactly 30 tokens
    assert ours.shape == (1, 30)
    assert torch.equal(ours, greedy_generate(model, input_ids, 30, eos_token_id=None))
    assert torch.equal(ours, decode(model, input_ids, 30))  # and of our dynamic-cache loop


@pytest.mark.parametrize("seed", range(3))
def test_static_decode_stops_at_the_end_of_sequence_token_like_generate(device, seed):
    """A real end of sequence: the token the model chooses at step 6 is made its EOS token."""
    model = tiny_llama(seed=seed, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    free_run = static_decode(model, input_ids, 30)[0].tolist()
    eos = next(t for i, t in enumerate(free_run) if i >= 6 and t not in free_run[:i])
    stop = free_run.index(eos)  # the first time the model chooses that token
    ours = static_decode(model, input_ids, 30, eos_token_id=eos)
    assert ours[0].tolist() == free_run[:stop + 1]  # stopped there, the EOS token kept
    theirs = greedy_generate(model, input_ids, 30, eos_token_id=eos, pad_token_id=0)
    assert torch.equal(ours, theirs)
    assert torch.equal(ours, decode(model, input_ids, 30, eos_token_id=eos))


def test_static_decode_on_smollm2_ends_its_answer_like_generate(smollm2):
    """The lesson's prompt: SmolLM2 answers in 8 tokens, the last one its <|im_end|>."""
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, "What is the capital of France?", model.device)
    ours = static_decode(model, input_ids, 20, eos_token_id=tokenizer.eos_token_id)
    theirs = greedy_generate(model, input_ids, 20)  # the default: stops at the model's EOS
    assert ours.shape[1] < 20 and ours[0, -1] == tokenizer.eos_token_id  # the rule was used
    assert torch.equal(ours, theirs)
    assert tokenizer.decode(ours[0]) == "The capital of France is Paris.<|im_end|>"
    on_static_cache = greedy_generate(model, input_ids, 20, **static_generate_kwargs(model))
    assert torch.equal(on_static_cache, theirs)


def test_a_reused_cache_forgets_the_previous_request(tiny, device):
    cache = StaticCache(config=tiny.config, max_cache_len=64)
    first = torch.tensor([[1, 7, 8, 9, 10, 11, 12, 13]], device=device)
    second = torch.tensor([[1, 5, 9]], device=device)
    static_decode(tiny, first, 20, cache=cache)  # leaves 27 positions behind
    assert torch.equal(static_decode(tiny, second, 20, cache=cache),
                       greedy_generate(tiny, second, 20, eos_token_id=None))
    assert int(cache.get_seq_length()) == 3 + 19  # the last token is chosen, not fed back


def test_the_smallest_requests_and_a_cache_of_exactly_their_length(tiny, device):
    """One new token, a one-token prompt, and a cache with no position to spare all run."""
    input_ids = torch.tensor([[1, 5, 9]], device=device)
    assert torch.equal(static_decode(tiny, input_ids, 1),
                       greedy_generate(tiny, input_ids, 1, eos_token_id=None))
    one_token = torch.tensor([[7]], device=device)
    assert torch.equal(static_decode(tiny, one_token, 6),
                       greedy_generate(tiny, one_token, 6, eos_token_id=None))
    exact = StaticCache(config=tiny.config, max_cache_len=3 + 10)
    assert torch.equal(static_decode(tiny, input_ids, 10, cache=exact),
                       greedy_generate(tiny, input_ids, 10, eos_token_id=None))


def test_decode_steps_call_the_forward_passed_in(tiny, device):
    """The prefill runs on the model; each later step on `forward` (a compiled step, in the
    lesson), here a wrapper that counts its calls."""
    calls = []

    def forward(**kwargs):
        calls.append(kwargs["input_ids"].shape)
        return tiny(**kwargs)
    input_ids = torch.tensor([[1, 5, 9]], device=device)
    ours = static_decode(tiny, input_ids, 8, forward=forward)
    assert torch.equal(ours, greedy_generate(tiny, input_ids, 8, eos_token_id=None))
    assert calls == [(1, 1)] * 7  # one token per step; the 8th token is chosen, not fed back


def test_static_decode_rejects_bad_arguments(tiny, device):
    input_ids = torch.tensor([[1, 5, 9]], device=device)
    with pytest.raises(ValueError, match="max_new_tokens must be >= 1, got 0"):
        static_decode(tiny, input_ids, 0)
    with pytest.raises(ValueError, match=r"one non-empty prompt .*, got shape \(2, 3\)"):
        static_decode(tiny, input_ids.repeat(2, 1), 4)
    with pytest.raises(ValueError, match="the cache holds 8 positions, the prompt and the new "
                                         "tokens need 13"):
        static_decode(tiny, input_ids, 10, cache=StaticCache(config=tiny.config, max_cache_len=8))
    with pytest.raises(ValueError, match="mode must be one of"):
        compile_decode_step(tiny, mode="fast")
    with pytest.raises(ValueError, match="compile_mode must be None or one of"):
        static_generate_kwargs(tiny, "fast")


def test_generate_on_a_static_cache_gives_the_same_tokens(tiny, device):
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    assert torch.equal(greedy_generate(tiny, input_ids, 20, eos_token_id=None,
                                       **static_generate_kwargs(tiny)),
                       greedy_generate(tiny, input_ids, 20, eos_token_id=None))


def test_generate_kwargs_ask_for_a_static_cache_and_compile_only_with_a_mode(tiny):
    assert static_generate_kwargs(tiny) == dict(cache_implementation="static",
                                                disable_compile=True)
    kwargs = static_generate_kwargs(tiny, "max-autotune-no-cudagraphs")
    config = kwargs.pop("compile_config")
    assert kwargs == dict(cache_implementation="static")
    assert (config.fullgraph, config.dynamic, config.mode) == (
        True, False, "max-autotune-no-cudagraphs")
    assert config._compile_all_devices == (tiny.device.type != "cuda")  # a CPU: the private flag


# importing inductor imports torch.utils.mkldnn, which warns about torch.jit
@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
def test_compile_decode_step_asks_for_one_graph_of_fixed_shapes(tiny, monkeypatch):
    """What the step asks of torch.compile, without compiling (the slow tests below compile):
    the mode of the device, one graph, fixed shapes; frozen, inductor's freezing switched on
    only while the step runs."""
    calls = []

    def fake_compile(model, **kwargs):
        calls.append((model, kwargs))
        # what the compiled step is called with, and inductor's freezing at call time
        return lambda *args, **kwargs: (args, kwargs, torch._inductor.config.freezing)
    monkeypatch.setattr(torch, "compile", fake_compile)
    compile_decode_step(tiny)
    default_mode = "reduce-overhead" if tiny.device.type == "cuda" else "default"
    assert calls[-1] == (tiny, dict(mode=default_mode, fullgraph=True, dynamic=False))
    step = compile_decode_step(tiny, mode="max-autotune-no-cudagraphs", freeze=True)
    options = {**torch._inductor.list_mode_options("max-autotune-no-cudagraphs"),
               "freezing": True}
    assert calls[-1] == (tiny, dict(options=options, fullgraph=True, dynamic=False))
    assert step(3, input_ids=None) == ((3,), dict(input_ids=None), True)
    assert torch._inductor.config.freezing is False


@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
@pytest.mark.slow
def test_generate_compiles_its_steps_on_any_device_when_the_config_asks(device):
    """static_generate_kwargs(model, mode) makes generate() compile its decode steps, on a CPU
    too (the private flag): the model then holds the compiled call, and the tokens are the
    same. Without a mode the steps stay eager and no compiled call is made."""
    torch._dynamo.reset()
    model = tiny_llama(seed=4, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    eager = greedy_generate(model, input_ids, 12, eos_token_id=None)
    greedy_generate(model, input_ids, 12, eos_token_id=None, **static_generate_kwargs(model))
    assert not hasattr(model, "_compiled_call")
    compiled = greedy_generate(model, input_ids, 12, eos_token_id=None,
                               **static_generate_kwargs(model, "default"))
    assert hasattr(model, "_compiled_call")
    assert torch.equal(compiled, eager)


# importing inductor imports torch.utils.mkldnn, which warns about torch.jit
@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
@pytest.mark.slow
def test_compiled_static_decode_gives_the_tokens_of_generate(device):
    """The one compiled test: 15-40 s on 2 cores (inductor compiles a 2-layer model once).

    In the mode of the GPU path: CUDA graphs on a GPU; on a CPU inductor skips the graphs and
    runs the rest of that path, the reused cache included."""
    torch._dynamo.reset()
    model = tiny_llama(seed=2, device=device.type)
    input_ids = torch.tensor([[1, 5, 9, 12, 40]], device=device)
    cache = StaticCache(config=model.config, max_cache_len=32)
    step = compile_decode_step(model, mode="reduce-overhead")
    theirs = greedy_generate(model, input_ids, 16, eos_token_id=None)
    for _ in range(2):  # compiles, then runs the compiled graph on the reused cache
        assert torch.equal(static_decode(model, input_ids, 16, cache=cache, forward=step), theirs)
    other = torch.tensor([[1, 40, 12]], device=device)
    assert torch.equal(static_decode(model, other, 16, cache=cache, forward=step),
                       greedy_generate(model, other, 16, eos_token_id=None))
    # a real end of sequence on the compiled path: the token chosen at step 5 is made the EOS
    free_run = theirs[0].tolist()
    eos = next(t for i, t in enumerate(free_run) if i >= 5 and t not in free_run[:i])
    ours = static_decode(model, input_ids, 16, eos_token_id=eos, cache=cache, forward=step)
    assert ours.shape[1] < 16 and ours[0, -1] == eos
    assert torch.equal(ours, greedy_generate(model, input_ids, 16, eos_token_id=eos,
                                             pad_token_id=0))


@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
@pytest.mark.slow
def test_a_frozen_step_gives_the_tokens_of_generate_and_runs_on_repacked_weights(device):
    """Frozen on a CPU, the linear layers' weights are repacked into copies that the compiled
    step reads: after the last layer's down projection is scaled, the model's logits change
    and the frozen step's do not. A step that still read the model's weights (as freezing
    through the compile options alone gives: the tracer does not see it) fails."""
    if device.type != "cpu":
        pytest.skip("on a GPU, inductor does not repack the weights of linear layers")
    torch._dynamo.reset()
    model = tiny_llama(seed=3, device=device.type)
    input_ids = torch.tensor([[1, 7, 3, 30]], device=device)
    cache = StaticCache(config=model.config, max_cache_len=24)
    step = compile_decode_step(model, mode="default", freeze=True)
    assert torch.equal(static_decode(model, input_ids, 16, cache=cache, forward=step),
                       greedy_generate(model, input_ids, 16, eos_token_id=None))

    def next_logits(forward):
        """Logits of one decode step after the prompt, on the same cache each time (the last
        layer's MLP plays no part in the keys and values the eager prefill stores)."""
        cache.reset()
        with torch.no_grad():
            model(input_ids=input_ids, cache=cache, use_cache=True)
            return forward(input_ids=input_ids[:, -1:], cache=cache, use_cache=True).logits

    before = next_logits(model)
    torch.testing.assert_close(next_logits(step), before)
    with torch.no_grad():
        model.model.layers[-1].mlp.down_proj.weight.mul_(3)
    assert not torch.allclose(next_logits(model), before, atol=1e-3)
    torch.testing.assert_close(next_logits(step), before)
