import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from snippets.inference.beam_search import (  # noqa: E402
    beam_search,
    best_path,
    plot_beam_tree,
    sequence_log_prob,
    trace_back,
)
from snippets.inference.decoding import chat_input_ids  # noqa: E402
from snippets.models import tiny_llama  # noqa: E402

# Prompts and EOS tokens for tiny_llama(1) that the beams do reach (the model is random).
TINY_CASES = [([89, 4, 73, 250, 140], 177), ([207, 47, 156, 137, 154], 49),
              ([58, 50, 107, 157, 193], 49)]
SMOLLM2_PROMPTS = ["What is the capital of France?", "Say hi.", "Write a haiku about the sea."]


def library_beam_search(model, input_ids, num_beams, max_new_tokens, eos_token_id,
                        length_penalty=1.0, early_stopping=False):
    """New tokens and score of the best beam from transformers' own generate()."""
    out = model.generate(
        input_ids, attention_mask=torch.ones_like(input_ids), num_beams=num_beams,
        do_sample=False, max_new_tokens=max_new_tokens, eos_token_id=eos_token_id,
        length_penalty=length_penalty, early_stopping=early_stopping,
        output_scores=True, return_dict_in_generate=True,
    )
    return out.sequences[0, input_ids.shape[1]:], out.sequences_scores[0]


def assert_same_as_library(model, input_ids, num_beams, max_new_tokens, eos_token_id, **kwargs):
    """Our beam search and generate() agree on the best sequence and its score."""
    result = beam_search(model, input_ids, num_beams, max_new_tokens, eos_token_id, **kwargs)
    expected_sequence, expected_score = library_beam_search(
        model, input_ids, num_beams, max_new_tokens, eos_token_id, **kwargs
    )
    sequence = torch.tensor(result.sequence, device=input_ids.device)
    assert torch.equal(sequence, expected_sequence), (result.sequence, expected_sequence)
    torch.testing.assert_close(torch.tensor(result.score), expected_score.cpu(),
                               rtol=1e-5, atol=1e-5)
    return result


@pytest.fixture(scope="module")
def tiny(device):
    return tiny_llama(1, device=device.type)


@pytest.mark.parametrize("case", range(len(TINY_CASES)))
@pytest.mark.parametrize("num_beams, length_penalty, early_stopping",
                         [(2, 1.0, False), (4, 2.0, True), (5, -1.0, "never")])
def test_matches_generate_on_tiny_llama(tiny, device, case, num_beams, length_penalty,
                                        early_stopping):
    prompt, eos_token_id = TINY_CASES[case]
    input_ids = torch.tensor([prompt], device=device)
    assert_same_as_library(tiny, input_ids, num_beams, 24, eos_token_id,
                           length_penalty=length_penalty, early_stopping=early_stopping)


@pytest.mark.parametrize("case", range(len(TINY_CASES)))
def test_one_new_token_finishes_the_top_candidates_as_generate_does(tiny, device, case):
    prompt, eos_token_id = TINY_CASES[case]
    input_ids = torch.tensor([prompt], device=device)
    result = assert_same_as_library(tiny, input_ids, 3, 1, eos_token_id)
    assert len(result.sequence) == len(result.history) == 1
    assert result.history[0].status[:3] == ["finished"] * 3


def test_one_beam_without_eos_is_greedy_search(tiny, device):
    """generate(num_beams=1) is greedy search itself, with no beam score to compare: without
    an EOS to finish early, one beam keeps the most likely token at every step."""
    input_ids = torch.tensor([TINY_CASES[0][0]], device=device)
    result = beam_search(tiny, input_ids, num_beams=1, max_new_tokens=6, length_penalty=2.0)
    greedy = tiny.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                           do_sample=False, max_new_tokens=6, min_new_tokens=6)
    assert result.sequence == greedy[0, input_ids.shape[1]:].tolist()
    assert result.score == pytest.approx(
        sequence_log_prob(tiny, input_ids, torch.tensor(result.sequence)) / 6**2.0, abs=1e-5)


@pytest.mark.parametrize("case", range(len(TINY_CASES)))
@pytest.mark.parametrize("num_beams, length_penalty, early_stopping",
                         [(3, 1.0, False), (4, 0.5, False), (3, 0.5, "never")])
def test_when_to_stop_matches_generate(tiny, device, case, num_beams, length_penalty,
                                       early_stopping):
    """More beams than two, where "the worst finished hypothesis" is not the second, and a
    length penalty between 0 and 1 with "never", where the best running beam is still scored
    at the longest length."""
    prompt, eos_token_id = TINY_CASES[case]
    input_ids = torch.tensor([prompt], device=device)
    assert_same_as_library(tiny, input_ids, num_beams, 24, eos_token_id,
                           length_penalty=length_penalty, early_stopping=early_stopping)


def test_early_stopping_settings_give_three_answers_as_in_transformers(tiny, device):
    input_ids = torch.tensor([TINY_CASES[0][0]], device=device)
    results = {early_stopping: assert_same_as_library(tiny, input_ids, 2, 24, 177,
                                                      length_penalty=2.0,
                                                      early_stopping=early_stopping)
               for early_stopping in (False, True, "never")}
    # True stops at num_beams finished hypotheses; False stops once the best running beam
    # cannot win at its current length; "never" (length_penalty > 0) at its longest length
    assert [len(result.sequence) for result in results.values()] == [11, 5, 24]
    assert results[True].sequence[-1] == results[False].sequence[-1] == 177


@pytest.mark.parametrize("prompt, num_beams, length_penalty, early_stopping", [
    (SMOLLM2_PROMPTS[0], 2, 1.0, False), (SMOLLM2_PROMPTS[0], 4, 0.5, True),
    (SMOLLM2_PROMPTS[0], 5, 2.0, "never"), (SMOLLM2_PROMPTS[1], 2, 2.0, "never"),
    (SMOLLM2_PROMPTS[1], 4, -1.0, False), (SMOLLM2_PROMPTS[1], 5, 0.5, True),
    (SMOLLM2_PROMPTS[2], 2, 0.5, True), (SMOLLM2_PROMPTS[2], 4, 1.0, "never"),
    (SMOLLM2_PROMPTS[2], 5, 1.0, False),
])
def test_matches_generate_on_smollm2(smollm2, device, prompt, num_beams, length_penalty,
                                     early_stopping):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, prompt, device)
    result = assert_same_as_library(model, input_ids, num_beams, 12, tokenizer.eos_token_id,
                                    length_penalty=length_penalty, early_stopping=early_stopping)
    if prompt == SMOLLM2_PROMPTS[0]:  # a short answer: the best beam ends on EOS
        assert result.sequence[-1] == tokenizer.eos_token_id and len(result.sequence) < 12


def test_history_is_a_tree_whose_best_path_spells_the_sequence(tiny, device):
    num_beams, length_penalty = 3, 1.0
    input_ids = torch.tensor([TINY_CASES[0][0]], device=device)
    result = beam_search(tiny, input_ids, num_beams, 8, eos_token_id=177)
    assert result.sequence[-1] == 177 and len(result.history) >= len(result.sequence)
    num_kept = 1  # step 1 extends the prompt alone
    for step in result.history:
        assert len(step.tokens) == len(step.parents) == len(step.status) == 2 * num_beams
        assert step.log_probs == sorted(step.log_probs, reverse=True)  # best first
        assert all(0 <= parent < num_kept for parent in step.parents)
        assert all(rank < num_beams for rank, s in enumerate(step.status) if s == "finished")
        num_kept = step.status.count("kept")
        assert num_kept == num_beams or step is result.history[-1]
    # here the search ran to max_new_tokens, where the top num_beams candidates all finish
    assert len(result.history) == 8
    assert result.history[-1].status[:num_beams] == ["finished"] * num_beams
    ranks = best_path(result)
    assert ranks == trace_back(result.history, len(ranks), ranks[-1])
    nodes = [(step.tokens[r], step.log_probs[r])
             for step, r in zip(result.history, ranks, strict=False)]
    assert [token for token, _ in nodes] == result.sequence
    log_probs = [log_prob for _, log_prob in nodes]
    assert log_probs == sorted(log_probs, reverse=True)  # a child is less likely than its parent
    assert result.score == pytest.approx(log_probs[-1] / len(nodes) ** length_penalty)
    assert log_probs[-1] == pytest.approx(
        sequence_log_prob(tiny, input_ids, torch.tensor(result.sequence)), abs=1e-4)


def test_max_new_tokens_zero_returns_nothing(tiny, device):
    result = beam_search(tiny, torch.tensor([[5, 6]], device=device), 2, 0)
    assert (result.sequence, result.score, result.history) == ([], 0.0, [])
    assert best_path(result) == []  # no step, no path


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_beams=0), r"num_beams must be >= 1, got 0"),
    (dict(max_new_tokens=-1), r"max_new_tokens must be >= 0, got -1"),
    (dict(early_stopping="soon"), r"early_stopping must be True, False or 'never', got 'soon'"),
    (dict(input_ids=torch.zeros((1, 0), dtype=torch.long)), r"shape \(1, 0\).*at least one"),
    (dict(input_ids=torch.ones((2, 3), dtype=torch.long)),
     r"beam_search takes one prompt, got a batch of 2"),
])
def test_bad_arguments_raise(tiny, kwargs, message):
    arguments = dict(input_ids=torch.tensor([[5, 6]]), num_beams=2, max_new_tokens=3) | kwargs
    with pytest.raises(ValueError, match=message):
        beam_search(tiny, **arguments)


class FakeTokenizer:
    def decode(self, ids):
        return f"${ids[0]}"


def test_plot_beam_tree_labels_every_node(tiny, device):
    input_ids = torch.tensor([TINY_CASES[0][0]], device=device)
    result = beam_search(tiny, input_ids, 2, 5, eos_token_id=177)
    fig, ax = plt.subplots()
    assert plot_beam_tree(result, FakeTokenizer(), ax=ax) is ax
    labels = [text.get_text() for text in ax.texts]
    assert len(labels) == 1 + sum(len(step.tokens) for step in result.history)  # prompt + nodes
    first = result.history[0]
    assert labels[0] == "prompt"
    assert labels[1] == f"'\\${first.tokens[0]}'\n{first.log_probs[0]:.2f}"  # "$" escaped
    assert [h.get_label() for h in ax.get_legend_handles_labels()[0]] == [
        "kept", "finished", "pruned"]
    plt.close(fig)


def test_sequence_log_prob_sums_the_log_probs_of_each_new_token(tiny, device):
    input_ids = torch.tensor([[5, 6, 7]], device=device)
    new_tokens = torch.tensor([9, 3, 200, 41], device=device)
    expected = 0.0
    for t in range(len(new_tokens)):  # the explicit loop: one forward pass per new token
        prefix = torch.cat([input_ids[0], new_tokens[:t]])[None]
        with torch.no_grad():
            logits = tiny(input_ids=prefix).logits[0, -1]
        expected += torch.log_softmax(logits, dim=-1)[new_tokens[t]].item()
    assert sequence_log_prob(tiny, input_ids, new_tokens) == pytest.approx(expected, abs=1e-4)


def test_sequence_log_prob_agrees_with_generate_logits_on_smollm2(smollm2, device):
    model, tokenizer = smollm2
    input_ids = chat_input_ids(tokenizer, SMOLLM2_PROMPTS[0], device)
    out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), do_sample=False,
                         max_new_tokens=6, output_logits=True, return_dict_in_generate=True)
    new_tokens = out.sequences[0, input_ids.shape[1]:]
    expected = sum(torch.log_softmax(logits[0].float(), dim=-1)[token].item()  # step by step
                   for logits, token in zip(out.logits, new_tokens, strict=True))
    assert sequence_log_prob(model, input_ids, new_tokens) == pytest.approx(expected, abs=1e-5)


def test_sequence_log_prob_takes_one_prompt(tiny):
    with pytest.raises(ValueError, match="sequence_log_prob takes one prompt, got a batch of 2"):
        sequence_log_prob(tiny, torch.ones((2, 3), dtype=torch.long), torch.tensor([4]))
