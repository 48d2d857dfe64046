"""PyTorch reference training of SASRec / GRU4Rec on samples written by reference/export, with the
hyper-parameters of its params.json, mirroring internal/train.Fit: AdamW (PyTorch defaults, decoupled
weight decay on matrices only), linear warm-up then constant/cosine/linear schedule per step,
global-norm gradient clipping, a fresh permutation each epoch, validation cross-entropy on the first
valid_samples valid samples once per epoch (or every eval_every steps), early stopping with patience
on the validation loss, and restoring of the selected parameters (select: acc = highest validation
accuracy, as package baselines; loss = lowest validation loss, as internal/train). Only the plain cross-entropy loss is mirrored.

Writes <dir>/torch_<method>.f32 (float32 test scores [N_test, C]) and prints a JSON summary line.
Run with Debian's torch: /usr/bin/python3 reference/torch_ref.py <dir> [seed]."""

import copy
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from models import GRU4Rec, SASRec


def load(path):
    a = np.loadtxt(path, dtype=np.int64, ndmin=2)
    return torch.from_numpy(a[:, 1:]), torch.from_numpy(a[:, 0])


def lr_at(p, step, total):
    base, warm = p["lr"], p["warmup_steps"]
    if step < warm:
        return base * (step + 1) / warm
    prog = (step - warm) / max(1, total - warm)
    if p["schedule"] == "linear":
        return base * (1 - prog)
    if p["schedule"] == "constant":
        return base
    return base * 0.5 * (1 + math.cos(math.pi * prog))


@torch.no_grad()
def predict(model, x, batch):
    model.eval()
    out = [model(x[i : i + batch]) for i in range(0, len(x), batch)]
    model.train()
    return torch.cat(out)


def main():
    d = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    np.random.seed(seed)
    meta = json.load(open(f"{d}/meta.json"))
    p = json.load(open(f"{d}/params.json"))
    if p["loss"]["kind"] != "ce" or p["resample"] or p.get("time_context"):
        sys.exit("torch_ref mirrors only loss ce, no resampling, no time context")
    c, t = meta["num_classes"], meta["history_len"]
    xtr, ytr = load(f"{d}/train.txt")
    xva, yva = load(f"{d}/valid.txt")
    xte, _ = load(f"{d}/test.txt")
    if p["valid_samples"] > 0:
        xva, yva = xva[: p["valid_samples"]], yva[: p["valid_samples"]]
    if p["method"] == "sasrec":
        model = SASRec(c, t, p["dim"], p["blocks"], p["heads"], p["ffn_dim"], p["dropout"], p["tie_embeddings"])
    elif p["method"] == "gru4rec":
        model = GRU4Rec(c, p["dim"], p["hidden"], p["layers"], p["dropout"])
    else:
        sys.exit(f"unsupported method {p['method']}")
    decay = [q for q in model.parameters() if q.dim() >= 2]
    rest = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": p["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
        lr=p["lr"], betas=(0.9, 0.999), eps=1e-8)
    n, batch = len(xtr), min(p["batch_size"], len(xtr))
    per_epoch = (n + batch - 1) // batch
    total = p["epochs"] * per_epoch
    if p["max_steps"] > 0 and p["max_steps"] < total:
        total = p["max_steps"]
    start = time.time()
    best, best_loss, since, step, epoch, stopped = None, math.inf, 0, 0, 0, False
    best_acc, best_by_acc = -1.0, None
    curve = []

    def evaluate():
        nonlocal best, best_loss, since, best_acc, best_by_acc
        logits = predict(model, xva, batch)
        vl = F.cross_entropy(logits, yva).item()
        va = (logits.argmax(-1) == yva).float().mean().item()
        curve.append((step, round(vl, 4), round(va, 4)))
        if va > best_acc:
            best_acc, best_by_acc = va, copy.deepcopy(model.state_dict())
        if vl < best_loss:
            best_loss, since, best = vl, 0, copy.deepcopy(model.state_dict())
            return False
        since += 1
        return p["patience"] > 0 and since >= p["patience"]

    model.train()
    while step < total and not stopped:
        epoch += 1
        order = torch.randperm(n)
        for b in range(per_epoch):
            if step >= total:
                break
            idx = order[b * batch : (b + 1) * batch]
            for g in opt.param_groups:
                g["lr"] = lr_at(p, step, total)
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            if p["grad_clip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), p["grad_clip"])
            opt.step()
            step += 1
            if p["eval_every"] > 0 and step % p["eval_every"] == 0:
                if stopped := evaluate():
                    break
        if p["eval_every"] == 0 and not stopped:
            stopped = evaluate()
    if not curve or curve[-1][0] != step:
        evaluate()
    if p["select"] == "acc":
        best = best_by_acc
    if best is not None:
        model.load_state_dict(best)
    train_s = time.time() - start
    scores = predict(model, xte, batch).numpy().astype("<f4")
    scores.tofile(f"{d}/torch_{p['method']}.f32")
    print(json.dumps({"method": p["method"], "steps": step, "seconds": round(train_s, 1), "curve": curve}))


if __name__ == "__main__":
    main()
