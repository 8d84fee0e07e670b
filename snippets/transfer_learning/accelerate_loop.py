"""A plain PyTorch training loop with Accelerate: the same code on a CPU, a GPU or several.

Run as a script on several GPUs (see the transfer-learning lesson); the batch size is per
process, so halve it on two processes to keep the updates of one:
    accelerate launch --multi_gpu --num_processes 2 \
        -m snippets.transfer_learning.accelerate_loop --batch-size 12
"""

# Shown in lessons by their own sections:
from snippets.models import get_device
from snippets.transfer_learning.finetuning import load_classifier, make_collate
from snippets.transfer_learning.sentiment_data import load_sentiment

# --8<-- [start:loop]
import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it


def train_loop(model, dataloader, steps: int, learning_rate: float = 1e-4, seed: int = 0,
               max_grad_norm: float | None = 1.0, save_to: str | None = None) -> list[float]:
    """`steps` AdamW updates of `model` on batches from `dataloader`: the loss of each step.
    With `save_to`, the trained model is saved there (gathered from every process)."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if max_grad_norm is not None and max_grad_norm <= 0:
        raise ValueError(f"max_grad_norm must be > 0 or None, got {max_grad_norm}")
    if len(dataloader) == 0:
        raise ValueError("the dataloader yields no batches: the training set is empty")
    set_seed(seed)  # the shuffling of the batches
    # Mixed precision and the number of processes come from `accelerate launch` / `accelerate
    # config`; run as a plain script, this is one process on the model's device.
    accelerator = Accelerator(cpu=model.device.type == "cpu")
    # Trainer's defaults: AdamW without weight decay, the learning rate decaying linearly to 0
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.0,
                                  fused=True)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    # 1. prepare: move the model to this process's device, shard the batches across processes
    model, optimizer, dataloader = accelerator.prepare(model, optimizer, dataloader)
    model.train()
    losses = []
    bar = dict(total=steps, desc="training")
    if not accelerator.is_local_main_process:
        bar["disable"] = True  # one bar, drawn by the main process
    progress = tqdm(**bar)
    while len(losses) < steps:
        for batch in dataloader:  # one epoch; the batches are on accelerator.device already
            loss = model(**batch).loss  # 2. forward
            accelerator.backward(loss)  # 3. backward (scaled when in mixed precision)
            if max_grad_norm is not None:  # as Trainer does (its default is 1.0)
                accelerator.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()  # 4. update, then the learning rate decays (once per update:
            scheduler.step()  # not prepared, as a prepared one steps once per process)
            optimizer.zero_grad()
            losses.append(accelerator.gather(loss.detach()).mean().item())  # mean over processes
            progress.update()
            if len(losses) == steps:
                break
    progress.close()
    if save_to is not None:  # 5. save. Under FSDP or ZeRO-3 each process holds only a shard:
        accelerator.wait_for_everyone()  # get_state_dict gathers the whole model first
        accelerator.unwrap_model(model).save_pretrained(
            save_to, state_dict=accelerator.get_state_dict(model),
            is_main_process=accelerator.is_main_process, save_function=accelerator.save)
    return losses
# --8<-- [end:loop]


# --8<-- [start:script]
# Needs: transfer_learning/sentiment_data.py:load, transfer_learning/finetuning.py:classifier
# Needs: transfer_learning/finetuning.py:collate
# Needs: transfer_learning/accelerate_loop.py:loop
import argparse

from accelerate import PartialState
from torch.utils.data import DataLoader

STEPS, BATCH_SIZE, LEARNING_RATE = 14, 24, 3e-4  # one pass over the lesson's 336 sentences


def main(argv: list[str] | None = None) -> list[float]:
    """Fine-tune MiniLM on a sentiment CSV with `train_loop`; save it; return the losses."""
    parser = argparse.ArgumentParser(description="Fine-tune all-MiniLM-L6-v2 on sentiment.")
    parser.add_argument("--data", default="data/sentiment.csv", help="CSV of text,label")
    parser.add_argument("--checkpoint", default=None, help="default: the packaged MiniLM")
    parser.add_argument("--steps", type=int, default=STEPS, help="optimizer updates")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help="per process: an update sees batch size x processes rows")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--output", default=None, help="folder to save the fine-tuned model")
    args = parser.parse_args(argv)
    # This process: its rank among the processes and its device (cuda:0, cuda:1, ...; or the
    # CPU, where several processes talk through gloo)
    state = PartialState(cpu=get_device().type == "cpu")
    data = load_sentiment(args.data)
    model, tokenizer = load_classifier(pretrained=True, checkpoint=args.checkpoint, device="cpu")
    model.to(state.device)  # loaded on the CPU, then onto this process's own device
    dataloader = DataLoader(data["train"], batch_size=args.batch_size, shuffle=True,
                            collate_fn=make_collate(tokenizer))
    losses = train_loop(model, dataloader, args.steps, args.learning_rate, save_to=args.output)
    if args.output and state.is_main_process:  # one process writes the tokenizer
        tokenizer.save_pretrained(args.output)
    return losses


if __name__ == "__main__":
    main()
# --8<-- [end:script]
