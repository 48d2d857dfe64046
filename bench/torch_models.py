"""PyTorch side of the harness benchmarks (bench/compare.sh runs it next to `go run ./bench`).

The models mirror the Go ones at their default sizes, op for op where it matters for speed:

  gru4rec   baselines/gru4rec.go: item embedding -> dropout -> a GRU cell unrolled over the T
            history steps (padding steps keep the state) -> dropout -> dense over all classes.
  sasrec    baselines/sasrec.go: item + position embeddings -> 2 causal pre-norm blocks
            (1 head, ReLU FFN 64) -> final layer norm -> last position -> tied item embeddings.
  bert4rec  baselines/bert4rec.go: history + [mask] -> 2 bidirectional pre-norm blocks (2 heads,
            GELU FFN 256) -> layer norm -> the [mask] position -> dense, GELU, layer norm -> tied.
  hf        internal/hf forward.go (bench/hf.go): a Qwen2 backbone at Qwen2-0.5B's layer widths
            (hidden 896, 14 heads, 2 key/value heads, SwiGLU MLP 4864, RoPE), 2 layers, evaluation
            forward of 8 x 64 tokens to the final hidden states (hf-forward, tokens/s).
  lm        internal/lm/model.go: decoder-only transformer (dim 64, 2 layers, 2 heads, GELU FFN
            256) over prompts of the last 10 events (34 tokens, lm.DefaultConfig): fine-tuned as
            a classifier at the answer position (the last block computes only that query),
            pretrained with next-behavior cross-entropy at the 11 behavior positions.

Training steps use AdamW, global-norm gradient clipping and cross-entropy with the Go defaults
(baselines: batch 128, clip 5; LM fine-tuning: batch 64, weight decay 0.01, clip 1; LM
pretraining: batch 128, weight decay 0.01, clip 1). Evaluation is inference (no dropout, no
gradients) in batches of 256.

Prints one JSON line per benchmark: {"bench", "unit", "value" (samples/s or tokens/s),
"ms_per_step" (wall), "cpu_ms_per_step" (process CPU time, all threads), "peak_rss_mb" (max RSS),
"threads", "torch"}.

Usage: python3 bench/torch_models.py --bench sasrec-train [--steps 30] [--classes 292]
"""

import argparse
import json
import math
import resource
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

HISTORY = 20  # events per sample (datasets.DefaultSampleConfig)
LM_HISTORY = 10  # events an LM prompt shows (lm.DefaultConfig)


def dense(i, o):
    d = nn.Linear(i, o)
    nn.init.xavier_uniform_(d.weight)
    nn.init.zeros_(d.bias)
    return d


def embedding(n, dim, std):
    e = nn.Embedding(n, dim)
    nn.init.normal_(e.weight, std=std)
    return e


class GRU4Rec(nn.Module):
    def __init__(self, num_classes, dim=64, hidden=64, dropout=0.2):
        super().__init__()
        self.items = embedding(num_classes + 1, dim, 1 / math.sqrt(dim))
        self.cell = nn.GRUCell(dim, hidden)
        self.hidden = hidden
        self.drop = nn.Dropout(dropout)
        self.out = dense(hidden, num_classes)

    def forward(self, items):
        b, t = items.shape
        mask = (items != 0).float().unsqueeze(-1)
        x = self.drop(self.items(items))
        h = x.new_zeros((b, self.hidden))
        for i in range(t):
            nxt = self.cell(x[:, i], h)
            h = h + mask[:, i] * (nxt - h)
        return self.out(self.drop(h))


class Block(nn.Module):
    """Pre-norm transformer block (baselines/blocks.go transformerBlock, internal/lm block)."""

    def __init__(self, dim, heads, ffn, dropout, gelu):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.q, self.k, self.v, self.o = (dense(dim, dim) for _ in range(4))
        self.f1, self.f2 = dense(dim, ffn), dense(ffn, dim)
        self.act = nn.GELU() if gelu else nn.ReLU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias, last_only=False):
        b, l, d = x.shape
        h, dh = self.heads, d // self.heads
        y = self.ln1(x)
        yq = y[:, -1:] if last_only else y
        lq = yq.shape[1]
        q = self.q(yq).view(b, lq, h, dh).transpose(1, 2)
        k = self.k(y).view(b, l, h, dh).transpose(1, 2)
        v = self.v(y).view(b, l, h, dh).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(dh) + bias[:, :, -lq:]
        w = self.drop(torch.softmax(s, -1))
        a = self.o((w @ v).transpose(1, 2).reshape(b, lq, d))
        if last_only:
            x = x[:, -1:]
        x = x + self.drop(a)
        return x + self.drop(self.f2(self.drop(self.act(self.f1(self.ln2(x))))))


def attention_bias(real, causal):
    """[B, L] real-token mask -> additive [B, 1, L, L] bias (0 allowed, -1e9 masked)."""
    l = real.shape[1]
    allowed = real[:, None, None, :]
    if causal:
        allowed = allowed & torch.tril(torch.ones(l, l, dtype=torch.bool))[None, None]
    return torch.where(allowed, 0.0, -1e9)


class SASRec(nn.Module):
    def __init__(self, num_classes, length, dim=64, blocks=2, heads=1, ffn=64, dropout=0.2):
        super().__init__()
        self.c = num_classes
        self.items = embedding(num_classes + 1, dim, 1 / math.sqrt(dim))
        self.pos = embedding(length, dim, 1 / math.sqrt(dim))
        self.blocks = nn.ModuleList(Block(dim, heads, ffn, dropout, gelu=False) for _ in range(blocks))
        self.ln = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def forward(self, items):
        real = items != 0
        x = self.drop(self.items(items) + self.pos.weight[None]) * real[..., None].float()
        bias = attention_bias(real, causal=True)
        for blk in self.blocks:
            x = blk(x, bias)
        h = self.ln(x)[:, -1]
        return h @ self.items.weight[1 : self.c + 1].T + self.bias


class BERT4Rec(nn.Module):
    def __init__(self, num_classes, length, dim=64, blocks=2, heads=2, ffn=256, dropout=0.2):
        super().__init__()
        self.c = num_classes
        self.items = embedding(num_classes + 2, dim, 1 / math.sqrt(dim))
        self.pos = embedding(length, dim, 1 / math.sqrt(dim))
        self.blocks = nn.ModuleList(Block(dim, heads, ffn, dropout, gelu=True) for _ in range(blocks))
        self.ln = nn.LayerNorm(dim)
        self.head = dense(dim, dim)
        self.head_ln = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def forward(self, items, pos):
        real = items != 0
        x = self.drop(self.items(items) + self.pos.weight[None])
        bias = attention_bias(real, causal=False)
        for blk in self.blocks:
            x = blk(x, bias)
        x = self.ln(x)
        h = x[torch.arange(x.shape[0]), pos]
        h = self.head_ln(F.gelu(self.head(h)))
        return h @ self.items.weight[1 : self.c + 1].T + self.bias


class BehaviorLM(nn.Module):
    """internal/lm Model: GPT-2-style init, tied head over the behavior tokens."""

    FIRST_BEHAVIOR = 35  # 4 template + 7 weekday + 24 hour tokens

    def __init__(self, num_classes, length, dim=64, layers=2, heads=2, ffn=256, dropout=0.1):
        super().__init__()
        self.c = num_classes
        self.tokens = embedding(self.FIRST_BEHAVIOR + num_classes, dim, 0.02)
        self.pos = embedding(length, dim, 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, ffn, dropout, gelu=True) for _ in range(layers))
        self.ln = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def hidden(self, tokens, last_only):
        real = tokens != 0
        x = self.drop(self.tokens(tokens) + self.pos.weight[None])
        bias = attention_bias(real, causal=True)
        for i, blk in enumerate(self.blocks):
            x = blk(x, bias, last_only=last_only and i == len(self.blocks) - 1)
        return self.ln(x)

    def logits(self, h):
        rows = self.tokens.weight[self.FIRST_BEHAVIOR : self.FIRST_BEHAVIOR + self.c]
        return h @ rows.T + self.bias

    def forward(self, tokens):  # classifier at the answer position
        return self.logits(self.hidden(tokens, last_only=True)[:, 0])

    def pretrain_loss(self, tokens, targets, positions):
        h = self.hidden(tokens, last_only=False)[:, positions]  # [B, P, D]
        logits = self.logits(h)
        return F.cross_entropy(logits.reshape(-1, self.c), targets.reshape(-1), ignore_index=-1)


class Qwen2Layer(nn.Module):
    """One Qwen2 decoder layer (internal/hf forward.go; transformers' Qwen2DecoderLayer)."""

    def __init__(self, dim, heads, kv_heads, mlp, eps=1e-6):
        super().__init__()
        self.heads, self.kv_heads, self.hd, self.eps = heads, kv_heads, dim // heads, eps
        self.ln1, self.ln2 = nn.Parameter(torch.ones(dim)), nn.Parameter(torch.ones(dim))
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, kv_heads * self.hd)
        self.v = nn.Linear(dim, kv_heads * self.hd)
        self.o = nn.Linear(dim, dim, bias=False)
        self.gate, self.up = nn.Linear(dim, mlp, bias=False), nn.Linear(dim, mlp, bias=False)
        self.down = nn.Linear(mlp, dim, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
            elif p is not self.ln1 and p is not self.ln2:
                nn.init.zeros_(p)

    def forward(self, x, cos, sin, bias):
        b, l, _ = x.shape
        h = rms_norm(x, self.ln1, self.eps)
        q = rotary(self.q(h).view(b, l, self.heads, self.hd).transpose(1, 2), cos, sin)
        k = rotary(self.k(h).view(b, l, self.kv_heads, self.hd).transpose(1, 2), cos, sin)
        v = self.v(h).view(b, l, self.kv_heads, self.hd).transpose(1, 2)
        rep = self.heads // self.kv_heads
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, l, -1)
        x = x + self.o(a)
        h = rms_norm(x, self.ln2, self.eps)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotary(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin


class Qwen2Backbone(nn.Module):
    """internal/hf Model.Hidden for a Qwen2 config: embeddings, decoder layers, final RMSNorm."""

    def __init__(self, vocab, dim, heads, kv_heads, mlp, layers, theta=1e6):
        super().__init__()
        self.embed = embedding(vocab, dim, 0.02)
        self.layers = nn.ModuleList(Qwen2Layer(dim, heads, kv_heads, mlp) for _ in range(layers))
        self.norm = nn.Parameter(torch.ones(dim))
        hd = dim // heads
        self.register_buffer("inv_freq", 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd), persistent=False)

    def forward(self, tokens, mask):
        positions = (mask.cumsum(1) - 1).clamp(min=0)
        angles = (positions[..., None].double() * self.inv_freq).float()
        angles = torch.cat([angles, angles], -1)[:, None]  # [B, 1, L, hd]
        cos, sin = angles.cos(), angles.sin()
        l = tokens.shape[1]
        allowed = torch.tril(torch.ones(l, l, dtype=torch.bool))[None, None] & mask.bool()[:, None, None, :]
        bias = torch.where(allowed, 0.0, -1e9)
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, bias)
        return rms_norm(x, self.norm, 1e-6)


# HF is the shape of the hf-forward benchmark (bench/hf.go): Qwen2-0.5B's layer widths, 2 layers,
# a 1024-token vocabulary, 8 sequences of 64 tokens.
HF = dict(vocab=1024, dim=896, heads=14, kv_heads=2, mlp=4864, layers=2)
HF_BATCH, HF_TOKENS = 8, 64


def hf_inputs():
    tokens = torch.tensor([[(i * 31 + j * 7) % HF["vocab"] for j in range(HF_TOKENS)] for i in range(HF_BATCH)])
    return tokens, torch.ones_like(tokens)


def lm_prompts(n, num_classes, gen):
    """Random prompts shaped like internal/lm's: <bos>, LM_HISTORY x (weekday, hour, behavior),
    next weekday, next hour, "next:" (34 tokens)."""
    length = 1 + LM_HISTORY * 3 + 3
    tok = torch.empty((n, length), dtype=torch.long)
    tok[:, 0] = 1
    for i in range(LM_HISTORY):
        tok[:, 1 + 3 * i] = torch.randint(4, 11, (n,), generator=gen)
        tok[:, 2 + 3 * i] = torch.randint(11, 35, (n,), generator=gen)
        tok[:, 3 + 3 * i] = torch.randint(35, 35 + num_classes, (n,), generator=gen)
    tok[:, -3] = torch.randint(4, 11, (n,), generator=gen)
    tok[:, -2] = torch.randint(11, 35, (n,), generator=gen)
    tok[:, -1] = 2
    return tok


def build(name, c, pool, gen):
    """Returns (model, batch, inputs_of(idx) -> tuple, labels [pool], optimizer kwargs, clip)."""
    labels = torch.randint(0, c, (pool,), generator=gen)
    if name == "gru4rec":
        items = torch.randint(1, c + 1, (pool, HISTORY), generator=gen)
        return GRU4Rec(c), 128, lambda i: (items[i],), labels, dict(lr=1e-3, weight_decay=0), 5.0
    if name == "sasrec":
        items = torch.randint(1, c + 1, (pool, HISTORY), generator=gen)
        return SASRec(c, HISTORY), 128, lambda i: (items[i],), labels, dict(lr=1e-3, weight_decay=0), 5.0
    if name == "bert4rec":
        items = torch.randint(1, c + 1, (pool, HISTORY + 1), generator=gen)
        items[:, -1] = c + 1  # [mask]
        pos = torch.full((pool,), HISTORY, dtype=torch.long)
        return BERT4Rec(c, HISTORY + 1), 128, lambda i: (items[i], pos[i]), labels, dict(lr=1e-3, weight_decay=0), 5.0
    if name == "lm":
        tok = lm_prompts(pool, c, gen)
        return BehaviorLM(c, tok.shape[1]), 64, lambda i: (tok[i],), labels, dict(lr=1e-4, weight_decay=0.01), 1.0
    raise SystemExit(f"unknown model {name!r}")


def timed(step, warmup, steps):
    """Returns the wall and process CPU seconds per step."""
    for _ in range(warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps, (time.process_time() - cpu) / steps


def run(bench, c, steps, warmup):
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    model_name, kind = bench.rsplit("-", 1)
    pool = 4096
    if bench == "hf-forward":
        model = Qwen2Backbone(**HF).eval()
        tokens, mask = hf_inputs()

        def step():
            with torch.no_grad():
                model(tokens, mask)

        sec, cpu = timed(step, warmup, steps)
        return "tokens/s", tokens.numel() / sec, sec, cpu
    if kind == "pretrain":
        model = BehaviorLM(c, 1 + LM_HISTORY * 3 + 3)
        tok = lm_prompts(pool, c, gen)
        tgt = torch.randint(0, c, (pool, LM_HISTORY + 1), generator=gen)
        positions = torch.tensor([2 + 3 * i for i in range(LM_HISTORY)] + [tok.shape[1] - 1])
        opt = torch.optim.AdamW(model.parameters(), lr=6e-3, weight_decay=0.01)
        batch, it = 128, [0]

        def step():
            i = torch.arange(it[0], it[0] + batch) % pool
            it[0] += batch
            opt.zero_grad(set_to_none=True)
            loss = model.pretrain_loss(tok[i], tgt[i], positions)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

        model.train()
        sec, cpu = timed(step, warmup, steps)
        return "tokens/s", batch * tok.shape[1] / sec, sec, cpu
    model, batch, inputs, labels, opt_args, clip = build(model_name, c, pool, gen)
    if kind == "train":
        opt = torch.optim.AdamW(model.parameters(), **opt_args)
        it = [0]

        def step():
            i = torch.arange(it[0], it[0] + batch) % pool
            it[0] += batch
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(*inputs(i)), labels[i])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()

        model.train()
        sec, cpu = timed(step, warmup, steps)
        return "samples/s", batch / sec, sec, cpu
    if kind == "eval":
        batch, it = 256, [0]
        model.eval()

        def step():
            i = torch.arange(it[0], it[0] + batch) % pool
            it[0] += batch
            with torch.inference_mode():
                model(*inputs(i))

        sec, cpu = timed(step, warmup, steps)
        return "samples/s", batch / sec, sec, cpu
    raise SystemExit(f"unknown benchmark kind {kind!r} (want train, eval or pretrain)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="gru4rec-train, sasrec-train, bert4rec-train, lm-train, lm-pretrain, <model>-eval, hf-forward")
    ap.add_argument("--classes", type=int, default=292, help="number of behaviors (292 = nyc, 1182 = geolife)")
    ap.add_argument("--steps", type=int, default=30, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    unit, value, sec, cpu = run(args.bench, args.classes, args.steps, args.warmup)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"bench": args.bench, "unit": unit, "value": round(value, 1), "ms_per_step": round(sec * 1000, 2),
                      "cpu_ms_per_step": round(cpu * 1000, 2), "peak_rss_mb": round(rss, 1), "threads": args.threads,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    sys.exit(main())
