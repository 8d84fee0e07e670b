"""Beam search: keep the `num_beams` most likely sequences, extend them all, repeat."""

from snippets.checks import require  # shown in lessons by its own section

# A lesson shows these three by their own sections (snippets/inference/decoding.py),
# included before ours.
from snippets.inference.decoding import check_one_prompt, decode_step, prefill

# --8<-- [start:sequence_log_prob]
# Needs: inference/decoding.py:prefill
import torch


def sequence_log_prob(model, input_ids: torch.Tensor, new_tokens: torch.Tensor) -> float:
    """log p(new_tokens | prompt): the sum of the log probabilities of each new token."""
    check_one_prompt(input_ids, "sequence_log_prob")
    new_tokens = new_tokens.reshape(1, -1).to(input_ids.device)  # (1, num_new_tokens)
    num_prompt_tokens, num_new_tokens = input_ids.shape[1], new_tokens.shape[1]
    tokens = torch.cat([input_ids, new_tokens], dim=-1)  # prompt, then continuation
    with torch.no_grad():
        logits = model(input_ids=tokens).logits[0].float()  # (num_tokens, vocab_size)
    # the logits at position i predict token i + 1: keep those that predict the new tokens
    log_probs = torch.log_softmax(logits[num_prompt_tokens - 1 : -1], dim=-1)
    token_log_probs = log_probs[torch.arange(num_new_tokens), new_tokens[0]]  # (num_new_tokens,)
    return token_log_probs.sum().item()  # log p(y_1..y_n) = sum_t log p(y_t | y_<t)
# --8<-- [end:sequence_log_prob]


# --8<-- [start:beam_search]
# Needs: inference/decoding.py:prefill, inference/decoding.py:decode_step, checks.py:require
from dataclasses import dataclass

import torch


@dataclass
class BeamStep:
    """One step's candidates, best first: the beam each extends, its token, and its fate."""

    parents: list[int]  # index of the extended beam among the previous step's kept beams
    tokens: list[int]
    log_probs: list[float]  # cumulative: log p(y_1..y_t | prompt)
    status: list[str]  # "kept" (runs on), "finished" (a hypothesis), or "pruned"


@dataclass
class BeamSearchResult:
    """The best hypothesis (new token ids only), its length-normalised score, and every step."""

    sequence: list[int]
    score: float
    history: list[BeamStep]


def beam_search(
    model,
    input_ids: torch.Tensor,
    num_beams: int,
    max_new_tokens: int,
    eos_token_id: int | None = None,
    length_penalty: float = 1.0,
    early_stopping: bool | str = False,
) -> BeamSearchResult:
    """Beam search after a one-row prompt, scored as transformers' generate(num_beams=...)."""
    require(num_beams >= 1, f"num_beams must be >= 1, got {num_beams}")
    require(max_new_tokens >= 0, f"max_new_tokens must be >= 0, got {max_new_tokens}")
    require(early_stopping in (True, False, "never"),
            f"early_stopping must be True, False or 'never', got {early_stopping!r}")
    check_one_prompt(input_ids, "beam_search")

    num_candidates = 2 * num_beams  # so num_beams survive even if num_beams of them end on EOS
    beams = [[]]  # the generated tokens of each running beam: one empty beam to start
    beam_log_probs = torch.zeros(1, device=input_ids.device)  # (num_running,)
    finished = []  # (score, tokens) of the best finished hypotheses, best first
    history = []
    if max_new_tokens > 0:
        logits, cache = prefill(model, input_ids)  # (1, vocab_size)

    for step in range(1, max_new_tokens + 1):  # step = generated length, EOS included
        # 1. extend every beam by every token: log p(y_1..y_t) = log p(y_1..y_t-1) + log p(y_t|..)
        log_probs = beam_log_probs[:, None] + torch.log_softmax(logits, dim=-1)
        vocab_size = log_probs.shape[-1]  # log_probs: (num_running, vocab_size)
        # 2. the best candidates of all beams at once, from the flattened (beam, token) grid
        top_log_probs, top_indices = log_probs.flatten().topk(num_candidates)  # (num_candidates,)
        parents = (top_indices // vocab_size).tolist()  # which beam
        tokens = (top_indices % vocab_size).tolist()  # which next token
        cumulative = top_log_probs.tolist()

        # 3. finish a candidate on EOS (all at the last step), keep num_beams, prune the rest
        status, kept = [], []
        for rank, (parent, token, log_prob) in enumerate(
            zip(parents, tokens, cumulative, strict=True)
        ):
            ends = token == eos_token_id or step == max_new_tokens
            if ends and rank < num_beams:  # only the top num_beams candidates may finish
                score = log_prob / step**length_penalty  # length normalisation
                finished.append((score, beams[parent] + [token]))
                status.append("finished")
            elif not ends and len(kept) < num_beams:
                kept.append(rank)
                status.append("kept")
            else:
                status.append("pruned")
        finished = sorted(finished, key=lambda hypothesis: hypothesis[0], reverse=True)
        finished = finished[:num_beams]
        history.append(BeamStep(parents, tokens, cumulative, status))
        if step == max_new_tokens:
            break
        beams = [beams[parents[rank]] + [tokens[rank]] for rank in kept]
        beam_log_probs = top_log_probs[kept]  # (num_beams,), best first

        # 4. stop when num_beams hypotheses are finished and (unless early_stopping is True)
        #    the best running beam, scored at its best length, cannot beat the worst of them
        if len(finished) == num_beams:
            if early_stopping is True:
                break
            longest = early_stopping == "never" and length_penalty > 0  # longer scores higher
            length = max_new_tokens if longest else step
            if beam_log_probs[0].item() / length**length_penalty <= finished[-1][0]:
                break

        # 5. each kept beam takes its parent's cache rows; then one forward pass for all beams
        cache.reorder_cache(torch.tensor([parents[rank] for rank in kept], device=logits.device))
        next_tokens = torch.tensor([tokens[rank] for rank in kept], device=logits.device)
        logits, cache = decode_step(model, next_tokens, cache)  # (num_beams, vocab_size)

    if not finished:  # max_new_tokens == 0
        return BeamSearchResult(sequence=[], score=0.0, history=history)
    score, sequence = finished[0]
    return BeamSearchResult(sequence=sequence, score=score, history=history)
# --8<-- [end:beam_search]


# --8<-- [start:best_path]
def trace_back(history: list, step: int, rank: int) -> list[int]:
    """Ranks of the candidates at steps 1..`step` on the path to candidate `rank` of `step`."""
    ranks = [rank]
    for t in range(step, 1, -1):  # history[t - 1] holds step t
        kept = [r for r, status in enumerate(history[t - 2].status) if status == "kept"]
        ranks.append(kept[history[t - 1].parents[ranks[-1]]])  # the parent's rank at step t - 1
    return ranks[::-1]


def best_path(result) -> list[int]:
    """Ranks of the candidates, step by step, that spell the best hypothesis."""
    end = len(result.sequence)  # the step at which the best hypothesis finished
    for rank, status in enumerate(result.history[end - 1].status if end else []):
        ranks = trace_back(result.history, end, rank)
        tokens = [result.history[t].tokens[r] for t, r in enumerate(ranks)]
        if status == "finished" and tokens == result.sequence:
            return ranks
    return []
# --8<-- [end:best_path]


# Drawing only, out of `nox -s mutants` (docs/contributing.md)
# pragma: no mutate start
# --8<-- [start:plot_beam_tree]
# Needs: inference/beam_search.py:best_path
import matplotlib.pyplot as plt

# light fills, so the black labels stay readable
STATUS_COLORS = {"kept": "#9ecae1", "finished": "#a1d99b", "pruned": "#e0e0e0"}


def plot_beam_tree(result, tokenizer=None, ax=None):
    """Draw every step's candidates (token, cumulative log prob): kept, finished or pruned."""
    ax = ax or plt.gca()
    history = result.history
    best = {(t + 1, rank) for t, rank in enumerate(best_path(result))}  # (step, rank) nodes

    node = dict(ha="center", va="center", fontsize=9, zorder=2)
    ax.text(0, 0, "prompt", bbox=dict(boxstyle="round", facecolor="white"), **node)
    parent_ys = [0]  # y of each kept beam of the previous step; the prompt sits at y = 0
    for step, beam_step in enumerate(history, start=1):
        for rank, (parent, token, log_prob, status) in enumerate(
            zip(beam_step.parents, beam_step.tokens, beam_step.log_probs, beam_step.status,
                strict=True)
        ):
            on_best = (step, rank) in best
            ax.plot([step - 1, step], [parent_ys[parent], -rank], zorder=1,
                    color="black" if on_best else STATUS_COLORS[status], lw=2.5 if on_best else 1)
            word = repr(tokenizer.decode([token])) if tokenizer is not None else str(token)
            word = word.replace("$", r"\$")  # a "$" would start matplotlib's math mode
            ax.text(step, -rank, f"{word}\n{log_prob:.2f}",
                    bbox=dict(boxstyle="round", facecolor=STATUS_COLORS[status]), **node)
        parent_ys = [-rank for rank, status in enumerate(beam_step.status) if status == "kept"]
    for status, color in STATUS_COLORS.items():
        ax.plot([], [], color=color, lw=6, label=status)  # legend entries only
    num_candidates = len(history[0].status) if history else 1
    ax.set(xlim=(-0.5, len(history) + 0.5), ylim=(-num_candidates + 0.5, 0.5), yticks=[],
           xlabel="step (generated tokens)", title="beam search: token, cumulative log prob")
    ax.legend(loc="lower left", fontsize=9)
    return ax
# --8<-- [end:plot_beam_tree]
# pragma: no mutate end
