"""PyTorch written for speed: the models of bench/torch_models.py as an expert would write them
for CPU in PyTorch 1.13, so that bench/compare.sh can show the Go side next to both.

Same architectures, sizes, initialisation, optimiser settings and benchmark loop as
torch_models.py (the expert models are built from a plain model and copy its weights); what
differs is only how the computation is expressed:

  - glibc malloc tuned with mallopt: mmap threshold 32 MB (glibc's maximum), no heap trimming,
    so the large activations of each step are reused instead of mapped and unmapped every time;
  - GRU4Rec runs the recurrence with nn.GRU (one fused op over the sequence) instead of a Python
    loop over nn.GRUCell; histories with padding go through pack_padded_sequence, which keeps
    the state over padding steps exactly as the plain model's mask does;
  - transformer blocks use one fused QKV projection, torch.baddbmm for the scaled scores plus
    mask, and in evaluation the fused encoder layer (torch._transformer_encoder_layer_fwd, the
    nn.TransformerEncoderLayer fast path) where its restrictions allow (no causal mask, even
    number of heads: BERT4Rec); the causal models (SASRec, LM) cannot use it on CPU in 1.13
    ("src_mask not currently supported on CPU");
  - evaluation under torch.inference_mode, with the transformer models and the hf backbone
    (hf-forward) traced and frozen by torch.jit (GRU4Rec's single nn.GRU op gains nothing from it);
  - training with AdamW(foreach=True), zero_grad(set_to_none=True) and the gradient clipping
    done with torch._foreach_norm / torch._foreach_mul_ (what clip_grad_norm_ does in 2.x).

torch.nn.functional.scaled_dot_product_attention does not exist in 1.13.

--check builds each plain model, copies its weights into the expert model and checks that both
give the same outputs (evaluation, and training mode with dropout 0: loss and gradients), on the
benchmark's inputs and on inputs with padding; it exits non-zero on a mismatch.

Usage: python3 bench/torch_expert.py --bench sasrec-train [--steps 30] [--classes 292]
       python3 bench/torch_expert.py --check
"""

import argparse
import copy
import ctypes
import json
import math
import os
import resource
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import torch_models as plain  # noqa: E402

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc malloc.h


def tune_malloc():
    """Keeps freed memory in the heap (no trimming) and serves blocks up to 32 MB from it."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    ok = libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1
    return libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1) == 1 and ok


class GRU4Rec(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.items, self.drop, self.out, self.hidden = p.items, p.drop, p.out, p.hidden
        self.gru = nn.GRU(p.cell.input_size, p.hidden, batch_first=True)
        with torch.no_grad():
            self.gru.weight_ih_l0.copy_(p.cell.weight_ih)
            self.gru.weight_hh_l0.copy_(p.cell.weight_hh)
            self.gru.bias_ih_l0.copy_(p.cell.bias_ih)
            self.gru.bias_hh_l0.copy_(p.cell.bias_hh)

    def forward(self, items):
        real = items != 0
        x = self.drop(self.items(items))
        if bool(real.all()):
            _, h = self.gru(x)
            return self.out(self.drop(h[0]))
        # Padding steps keep the state: run only the real steps, in order, packed.
        order = torch.sort((~real).to(torch.uint8), dim=1, stable=True).indices
        x = x.gather(1, order[..., None].expand_as(x))
        n = real.sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(x, n.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        h = h[0] * (n > 0).to(h.dtype)[:, None]
        return self.out(self.drop(h))


class Block(nn.Module):
    """plain.Block with a fused QKV projection and baddbmm scores."""

    def __init__(self, p):
        super().__init__()
        self.heads, self.ln1, self.ln2, self.o, self.f1, self.f2, self.drop = p.heads, p.ln1, p.ln2, p.o, p.f1, p.f2, p.drop
        self.gelu = isinstance(p.act, nn.GELU)
        d = p.q.weight.shape[0]
        self.qkv = nn.Linear(d, 3 * d)
        with torch.no_grad():
            self.qkv.weight.copy_(torch.cat([p.q.weight, p.k.weight, p.v.weight]))
            self.qkv.bias.copy_(torch.cat([p.q.bias, p.k.bias, p.v.bias]))

    def forward(self, x, bias, last_only=False):
        """bias: additive [B*heads, L, L] (0 allowed, -1e9 masked)."""
        b, l, d = x.shape
        h, dh = self.heads, d // self.heads
        y = self.ln1(x)
        if last_only:
            q = F.linear(y[:, -1:], self.qkv.weight[:d], self.qkv.bias[:d])
            k, v = F.linear(y, self.qkv.weight[d:], self.qkv.bias[d:]).split(d, -1)
            bias, lq = bias[:, -1:], 1
        else:
            q, k, v = self.qkv(y).split(d, -1)
            lq = l
        q = q.reshape(b, lq, h, dh).transpose(1, 2).reshape(b * h, lq, dh)
        k = k.reshape(b, l, h, dh).transpose(1, 2).reshape(b * h, l, dh)
        v = v.reshape(b, l, h, dh).transpose(1, 2).reshape(b * h, l, dh)
        s = torch.baddbmm(bias, q, k.transpose(1, 2), alpha=1 / math.sqrt(dh))
        w = self.drop(torch.softmax(s, -1))
        a = torch.bmm(w, v).view(b, h, lq, dh).transpose(1, 2).reshape(b, lq, d)
        if last_only:
            x = x[:, -1:]
        x = x + self.drop(self.o(a))
        f = self.f1(self.ln2(x))
        f = F.gelu(f) if self.gelu else torch.relu(f)
        return x + self.drop(self.f2(self.drop(f)))

    def fused(self, x, pad):
        """The whole block in one op (evaluation, no causal mask): pad is [B, L], True = padding."""
        return torch._transformer_encoder_layer_fwd(
            x, x.shape[-1], self.heads, self.qkv.weight, self.qkv.bias, self.o.weight, self.o.bias,
            self.gelu, True, self.ln1.eps, self.ln1.weight, self.ln1.bias, self.ln2.weight, self.ln2.bias,
            self.f1.weight, self.f1.bias, self.f2.weight, self.f2.bias, pad, 1 if pad is not None else None)

    def can_fuse(self):
        return not self.training and self.heads % 2 == 0 and self.ln1.eps == self.ln2.eps


def head_bias(real, causal, heads):
    """[B, L] real-token mask -> additive [B*heads, L, L] bias, as plain.attention_bias."""
    b, l = real.shape
    return plain.attention_bias(real, causal).expand(b, heads, l, l).reshape(b * heads, l, l)


class SASRec(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.c, self.items, self.pos, self.ln, self.drop, self.bias = p.c, p.items, p.pos, p.ln, p.drop, p.bias
        self.blocks = nn.ModuleList(Block(b) for b in p.blocks)

    def forward(self, items):
        real = items != 0
        x = self.drop(self.items(items) + self.pos.weight[None]) * real[..., None].float()
        bias = head_bias(real, True, self.blocks[0].heads)
        for blk in self.blocks:
            x = blk(x, bias)
        h = self.ln(x[:, -1])
        return torch.addmm(self.bias, h, self.items.weight[1 : self.c + 1].T)


class BERT4Rec(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.c, self.items, self.pos, self.ln, self.drop, self.bias = p.c, p.items, p.pos, p.ln, p.drop, p.bias
        self.head, self.head_ln = p.head, p.head_ln
        self.blocks = nn.ModuleList(Block(b) for b in p.blocks)

    def forward(self, items, pos):
        real = items != 0
        x = self.drop(self.items(items) + self.pos.weight[None])
        if all(b.can_fuse() for b in self.blocks):
            pad = ~real
            for blk in self.blocks:
                x = blk.fused(x, pad)
        else:
            bias = head_bias(real, False, self.blocks[0].heads)
            for blk in self.blocks:
                x = blk(x, bias)
        h = x[torch.arange(x.shape[0]), pos]
        h = self.head_ln(F.gelu(self.head(self.ln(h))))
        return torch.addmm(self.bias, h, self.items.weight[1 : self.c + 1].T)


class BehaviorLM(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.c, self.tokens, self.pos, self.ln, self.drop, self.bias = p.c, p.tokens, p.pos, p.ln, p.drop, p.bias
        self.first = p.FIRST_BEHAVIOR
        self.blocks = nn.ModuleList(Block(b) for b in p.blocks)

    def hidden(self, tokens, last_only):
        real = tokens != 0
        x = self.drop(self.tokens(tokens) + self.pos.weight[None])
        bias = head_bias(real, True, self.blocks[0].heads)
        for i, blk in enumerate(self.blocks):
            x = blk(x, bias, last_only=last_only and i == len(self.blocks) - 1)
        return self.ln(x)

    def logits(self, h):
        rows = self.tokens.weight[self.first : self.first + self.c]
        return F.linear(h, rows, self.bias)

    def forward(self, tokens):
        return self.logits(self.hidden(tokens, last_only=True)[:, 0])

    def pretrain_loss(self, tokens, targets, positions):
        h = self.hidden(tokens, last_only=False)[:, positions]
        return F.cross_entropy(self.logits(h).reshape(-1, self.c), targets.reshape(-1), ignore_index=-1)


EXPERT = {plain.GRU4Rec: GRU4Rec, plain.SASRec: SASRec, plain.BERT4Rec: BERT4Rec, plain.BehaviorLM: BehaviorLM}


def expert_of(model):
    return EXPERT[type(model)](model)


def clip_grad_norm_(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    torch._foreach_mul_(grads, torch.clamp(max_norm / (total + 1e-6), max=1.0))
    return total


def optimizer(params, **kw):
    return torch.optim.AdamW(params, foreach=True, **kw)


def jit_eval(model, example):
    """Traced and frozen for inference (transformer models, the hf backbone); GRU4Rec stays eager."""
    if isinstance(model, GRU4Rec) or os.environ.get("EXPERT_JIT") == "0":
        return model
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(model, example, check_trace=False)
        return torch.jit.freeze(traced.eval())


def run(bench, c, steps, warmup):
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    model_name, kind = bench.rsplit("-", 1)
    pool = 4096
    if bench == "hf-forward":
        inputs = plain.hf_inputs()
        model = jit_eval(plain.Qwen2Backbone(**plain.HF).eval(), inputs)

        def step():
            with torch.inference_mode():
                model(*inputs)

        sec, cpu = plain.timed(step, warmup, steps)
        return "tokens/s", inputs[0].numel() / sec, sec, cpu
    if kind == "pretrain":
        model = BehaviorLM(plain.BehaviorLM(c, 1 + plain.LM_HISTORY * 3 + 3))
        tok = plain.lm_prompts(pool, c, gen)
        tgt = torch.randint(0, c, (pool, plain.LM_HISTORY + 1), generator=gen)
        positions = torch.tensor([2 + 3 * i for i in range(plain.LM_HISTORY)] + [tok.shape[1] - 1])
        params = list(model.parameters())
        opt = optimizer(params, lr=6e-3, weight_decay=0.01)
        batch, it = 128, [0]

        def step():
            i = torch.arange(it[0], it[0] + batch) % pool
            it[0] += batch
            opt.zero_grad(set_to_none=True)
            model.pretrain_loss(tok[i], tgt[i], positions).backward()
            clip_grad_norm_(params, 1.0)
            opt.step()

        model.train()
        sec, cpu = plain.timed(step, warmup, steps)
        return "tokens/s", batch * tok.shape[1] / sec, sec, cpu
    p, batch, inputs, labels, opt_args, clip = plain.build(model_name, c, pool, gen)
    model = expert_of(p)
    if kind == "train":
        params = list(model.parameters())
        opt = optimizer(params, **opt_args)
        it = [0]

        def step():
            i = torch.arange(it[0], it[0] + batch) % pool
            it[0] += batch
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(*inputs(i)), labels[i]).backward()
            clip_grad_norm_(params, clip)
            opt.step()

        model.train()
        sec, cpu = plain.timed(step, warmup, steps)
        return "samples/s", batch / sec, sec, cpu
    if kind == "eval":
        batch, it = 256, [0]
        model.eval()
        fast = jit_eval(model, inputs(torch.arange(batch)))

        def step():
            i = torch.arange(it[0], it[0] + batch) % pool
            it[0] += batch
            with torch.inference_mode():
                fast(*inputs(i))

        sec, cpu = plain.timed(step, warmup, steps)
        return "samples/s", batch / sec, sec, cpu
    raise SystemExit(f"unknown benchmark kind {kind!r} (want train, eval or pretrain)")


def set_dropout(model, p):
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = p


def check(c=292, n=64, tol=2e-5):
    """Returns the list of mismatches between plain and expert models (empty: all equal)."""
    bad = []

    def same(what, a, b):
        err = (a - b).abs().max().item()
        scale = max(1.0, b.abs().max().item())
        ok = err <= tol * scale
        print(f"check: {what}: max abs diff {err:.2e} {'ok' if ok else 'MISMATCH'}", file=sys.stderr)
        if not ok:
            bad.append(what)

    for name in ("gru4rec", "sasrec", "bert4rec", "lm"):
        gen = torch.Generator().manual_seed(2)
        torch.manual_seed(2)
        p, _, inputs, labels, _, _ = plain.build(name, c, n, gen)
        full = inputs(torch.arange(n))
        padded = tuple(t.clone() for t in full)
        tok = padded[0]
        if name == "lm":
            tok[: n // 2, : 7] = 0  # left-padded prompts, the <bos> included
        else:
            for r in range(n // 2):  # left padding of r % history items; one row all padding
                tok[r, : min(r, plain.HISTORY)] = 0
            if name == "gru4rec":
                tok[n // 2, 3] = tok[n // 2, 9] = 0  # padding in the middle
        e = expert_of(copy.deepcopy(p))  # copied weights, no shared parameters
        for label, x in (("full", full), ("padded", padded)):
            p.eval(), e.eval()
            with torch.inference_mode():
                want = p(*x)
                same(f"{name} eval {label}", e(*x), want)
                same(f"{name} eval {label} jit", jit_eval(e, x)(*x), want)
            set_dropout(p, 0.0), set_dropout(e, 0.0)
            p.train(), e.train()
            for m in (p, e):
                m.zero_grad(set_to_none=True)
                F.cross_entropy(m(*x), labels).backward()
            same(f"{name} train {label} loss", F.cross_entropy(e(*x), labels), F.cross_entropy(p(*x), labels))
            pg = torch.cat([q.grad.flatten() for q in p.parameters() if q.grad is not None])
            eg = expert_grads(p, e)
            same(f"{name} train {label} grads", eg, pg)
            set_dropout(p, 0.2), set_dropout(e, 0.2)
        if name == "lm":
            p.eval(), e.eval()
            tgt = torch.randint(0, c, (n, plain.LM_HISTORY + 1), generator=gen)
            positions = torch.tensor([2 + 3 * i for i in range(plain.LM_HISTORY)] + [tok.shape[1] - 1])
            same("lm pretrain loss", e.pretrain_loss(full[0], tgt, positions), p.pretrain_loss(full[0], tgt, positions))
    torch.manual_seed(3)
    p = plain.Qwen2Backbone(vocab=97, dim=64, heads=4, kv_heads=2, mlp=128, layers=2).eval()
    tokens = torch.randint(0, 97, (4, 16))
    mask = torch.ones_like(tokens)
    mask[:2, :5] = 0
    with torch.inference_mode():
        same("hf eval jit", jit_eval(copy.deepcopy(p), (tokens, mask))(tokens, mask), p(tokens, mask))
    return bad


def expert_grads(p, e):
    """The expert model's gradients laid out as the plain model's parameters (QKV split)."""
    out = []
    for name, q in p.named_parameters():
        if q.grad is None:
            continue
        mod, _, leaf = name.rpartition(".")
        parent, _, last = mod.rpartition(".")
        if last in ("q", "k", "v"):
            qkv = e.get_submodule(parent).qkv
            g = getattr(qkv, leaf).grad
            d = g.shape[0] // 3
            out.append(g[{"q": 0, "k": d, "v": 2 * d}[last]:][:d].flatten())
        elif last == "cell":
            out.append(getattr(e.gru, leaf + "_l0").grad.flatten())
        else:
            out.append(e.get_parameter(name).grad.flatten())
    return torch.cat(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", help="gru4rec-train, sasrec-train, bert4rec-train, lm-train, lm-pretrain, <model>-eval")
    ap.add_argument("--check", action="store_true", help="check the expert models against the plain ones and exit")
    ap.add_argument("--classes", type=int, default=292, help="number of behaviors (292 = nyc, 1182 = geolife)")
    ap.add_argument("--steps", type=int, default=30, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check:
        bad = check()
        if bad:
            print("check: expert and plain models differ: " + ", ".join(bad), file=sys.stderr)
            return 1
        print("check: expert models equal the plain ones", file=sys.stderr)
        return 0
    if not args.bench:
        ap.error("--bench or --check is required")
    malloc = tune_malloc()
    unit, value, sec, cpu = run(args.bench, args.classes, args.steps, args.warmup)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"bench": args.bench, "unit": unit, "value": round(value, 1), "ms_per_step": round(sec * 1000, 2),
                      "cpu_ms_per_step": round(cpu * 1000, 2), "peak_rss_mb": round(rss, 1), "threads": args.threads,
                      "torch": torch.__version__, "mallopt": malloc}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
