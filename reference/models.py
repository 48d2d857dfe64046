"""PyTorch mirrors of baselines/gru4rec.go and baselines/sasrec.go (same architecture, same
initialisation: embeddings N(0, 1/dim), dense weights Xavier-uniform, biases zero, layer norm
gain 1 / offset 0 with epsilon 1e-5). Inputs: items [B, T] int64, 0 = padding, behavior b = b+1,
left-padded. Outputs: logits [B, C]."""

import math

import torch
from torch import nn


def _dense(i, o):
    d = nn.Linear(i, o)
    nn.init.xavier_uniform_(d.weight)
    nn.init.zeros_(d.bias)
    return d


def _embedding(n, dim):
    e = nn.Embedding(n, dim)
    nn.init.normal_(e.weight, std=1 / math.sqrt(dim))
    return e


class GRU4Rec(nn.Module):
    """Item embedding -> dropout -> stacked GRU (padding steps keep the state) -> dropout -> dense."""

    def __init__(self, num_classes, dim=64, hidden=64, layers=1, dropout=0.2):
        super().__init__()
        self.items = _embedding(num_classes + 1, dim)
        self.cells = nn.ModuleList()
        for layer in range(layers):
            c = nn.GRUCell(dim if layer == 0 else hidden, hidden)
            for name, p in c.named_parameters():
                if name.startswith("weight"):
                    # Go keeps one [in, hidden] matrix per gate: Xavier with fan_out = hidden.
                    for g in p.data.chunk(3, 0):
                        nn.init.xavier_uniform_(g)
                else:
                    nn.init.zeros_(p)
            self.cells.append(c)
        self.drop = nn.Dropout(dropout)
        self.hidden = hidden
        self.out = _dense(hidden, num_classes)

    def forward(self, items):
        b, t = items.shape
        mask = (items != 0).float().unsqueeze(-1)
        steps = [self.drop(self.items(items[:, i])) for i in range(t)]
        h = None
        for layer, cell in enumerate(self.cells):
            h = items.new_zeros((b, self.hidden), dtype=torch.float32)
            for i in range(t):
                nxt = cell(steps[i], h)
                h = h + mask[:, i] * (nxt - h)
                steps[i] = h
            if layer + 1 < len(self.cells):
                steps = [self.drop(s) for s in steps]
        return self.out(self.drop(h))


class Block(nn.Module):
    """Pre-norm transformer block, as baselines/blocks.go transformerBlock."""

    def __init__(self, dim, heads, ffn, dropout, gelu=False):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim, eps=1e-5)
        self.q, self.k, self.v, self.o = (_dense(dim, dim) for _ in range(4))
        self.ln2 = nn.LayerNorm(dim, eps=1e-5)
        self.f1, self.f2 = _dense(dim, ffn), _dense(ffn, dim)
        self.act = nn.GELU() if gelu else nn.ReLU()
        self.drop = nn.Dropout(dropout)

    def attention(self, x, bias):
        b, l, d = x.shape
        h, dh = self.heads, d // self.heads
        q = self.q(x).view(b, l, h, dh).transpose(1, 2)
        k = self.k(x).view(b, l, h, dh).transpose(1, 2)
        v = self.v(x).view(b, l, h, dh).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(dh) + bias
        w = self.drop(torch.softmax(s, -1))
        return self.o((w @ v).transpose(1, 2).reshape(b, l, d))

    def forward(self, x, bias):
        x = x + self.drop(self.attention(self.ln1(x), bias))
        return x + self.drop(self.f2(self.drop(self.act(self.f1(self.ln2(x))))))


class SASRec(nn.Module):
    """Item + position embeddings -> dropout -> padding zeroed -> causal blocks -> final LN ->
    last position -> tied item embeddings + bias."""

    def __init__(self, num_classes, history_len, dim=64, blocks=2, heads=1, ffn=64, dropout=0.2, tie=True):
        super().__init__()
        self.items = _embedding(num_classes + 1, dim)
        self.pos = _embedding(history_len, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, ffn, dropout) for _ in range(blocks))
        self.ln = nn.LayerNorm(dim, eps=1e-5)
        self.drop = nn.Dropout(dropout)
        self.tie = tie
        self.num_classes = num_classes
        if tie:
            self.out_bias = nn.Parameter(torch.zeros(num_classes))
        else:
            self.out = _dense(dim, num_classes)

    def forward(self, items):
        b, l = items.shape
        real = items != 0
        x = self.items(items) + self.pos.weight.unsqueeze(0)
        x = self.drop(x) * real.unsqueeze(-1).float()
        causal = torch.tril(torch.ones(l, l, dtype=torch.bool, device=items.device))
        allowed = real[:, None, None, :] & causal[None, None]
        bias = torch.where(allowed, 0.0, -1e9)
        for blk in self.blocks:
            x = blk(x, bias)
        h = self.ln(x)[:, -1]
        if self.tie:
            return h @ self.items.weight[1 : self.num_classes + 1].T + self.out_bias
        return self.out(h)
