"""A plain PyTorch training loop with Accelerate: the same code on a CPU, a GPU or several.

Run as a script on several GPUs (see the transfer-learning lesson):
    accelerate launch --multi_gpu --num_processes 2 -m snippets.accelerate_loop
"""

from snippets.finetuning import load_classifier, make_collate  # shown by their sections
from snippets.sentiment_data import load_sentiment  # shown in lessons by its section

# --8<-- [start:loop]
import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from tqdm import tqdm  # plain tqdm: TQDM_DISABLE=1 silences it


def train_loop(model, dataloader, steps: int, learning_rate: float = 1e-4,
               seed: int = 0) -> list[float]:
    """`steps` AdamW updates of `model` on batches from `dataloader`: the loss of each step."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
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
            accelerator.clip_grad_norm_(model.parameters(), 1.0)  # as Trainer does
            optimizer.step()  # 4. update, then the learning rate decays (once per update:
            scheduler.step()  # not prepared, as a prepared one steps once per process)
            optimizer.zero_grad()
            losses.append(accelerator.gather(loss.detach()).mean().item())  # mean over processes
            progress.update()
            if len(losses) == steps:
                break
    progress.close()
    return losses
# --8<-- [end:loop]


# --8<-- [start:script]
# Needs: sentiment_data.py:load, finetuning.py:classifier, finetuning.py:collate
# Needs: accelerate_loop.py:loop
import argparse

from accelerate import PartialState
from torch.utils.data import DataLoader


def main(argv: list[str] | None = None) -> list[float]:
    """Fine-tune MiniLM on a sentiment CSV with `train_loop`; save it; return the losses."""
    parser = argparse.ArgumentParser(description="Fine-tune all-MiniLM-L6-v2 on sentiment.")
    parser.add_argument("--data", default="data/sentiment.csv", help="CSV of text,label")
    parser.add_argument("--checkpoint", default=None, help="default: the packaged MiniLM")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=8, help="per process")
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--output", default=None, help="folder to save the fine-tuned model")
    args = parser.parse_args(argv)
    data = load_sentiment(args.data)
    model, tokenizer = load_classifier(pretrained=True, checkpoint=args.checkpoint)
    dataloader = DataLoader(data["train"], batch_size=args.batch_size, shuffle=True,
                            collate_fn=make_collate(tokenizer))
    losses = train_loop(model, dataloader, args.steps, args.learning_rate)
    if args.output and PartialState().is_main_process:  # one process writes the files
        model.save_pretrained(args.output)
        tokenizer.save_pretrained(args.output)
    return losses


if __name__ == "__main__":
    main()
# --8<-- [end:script]
