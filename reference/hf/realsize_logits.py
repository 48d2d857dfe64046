"""PyTorch logits of a real-size checkpoint (e.g. the Qwen2.5-0.5B-shaped random one that
reference/hf/randckpt writes), for internal/hf's check at real shapes (reference/hf/realsize
-check-logits). The model math is make_fixture.py's (transformers' Llama/Qwen2 in float32).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 reference/hf/realsize_logits.py CKPT_DIR OUT.safetensors

The prompts are token ids from the real-tokenizer fixture (internal/hf/tokenizer/testdata/real,
ids by tokenizers.js): an nyc prompt, an English line and a random-Unicode string, each cut to its
first 48 tokens. OUT holds one [T, vocab] float32 tensor per prompt (prompt0, ...) and the ids in
its metadata.
"""
import gzip
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixture import forward, write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
REAL = os.path.join(ROOT, "internal", "hf", "tokenizer", "testdata", "real")
MAX_T = 48


def read_safetensors(path):
    out = {}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        for name, info in header.items():
            if name == "__metadata__":
                continue
            b, e = info["data_offsets"]
            f.seek(base + b)
            buf = bytearray(f.read(e - b))
            dt = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}[info["dtype"]]
            out[name] = torch.frombuffer(buf, dtype=dt).reshape(info["shape"]).float()
    return out


def load_weights(ckpt):
    index = os.path.join(ckpt, "model.safetensors.index.json")
    if os.path.exists(index):
        files = sorted(set(json.load(open(index))["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    W = {}
    for f in files:
        W.update(read_safetensors(os.path.join(ckpt, f)))
    return W


def prompts(tokenizer_name):
    corpus = [json.loads(l) for l in gzip.open(os.path.join(REAL, "corpus.jsonl.gz"), "rt", encoding="utf-8")]
    rows = [json.loads(l) for l in gzip.open(os.path.join(REAL, tokenizer_name + ".expected.jsonl.gz"), "rt")]
    picks = [next(i for i, s in enumerate(corpus) if s.startswith("Recent behaviors of a user")),
             next(i for i, s in enumerate(corpus) if s.startswith("A reproducible research harness")),
             7]
    return [rows[i][0][:MAX_T] for i in picks]


def main():
    ckpt, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(ckpt, "config.json")))
    cfg.setdefault("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    cfg.setdefault("tie_word_embeddings", False)
    tok = "qwen3" if cfg["model_type"] == "qwen2" else "llama3"
    W = load_weights(ckpt)
    tensors, meta = {}, {}
    with torch.no_grad():
        for i, ids in enumerate(prompts(tok)):
            tensors[f"prompt{i}"] = forward(cfg, W, ids)
            meta[f"prompt{i}"] = json.dumps(ids)
            print(f"prompt{i}: {len(ids)} tokens, max |logit| {tensors[f'prompt{i}'].abs().max().item():.4f}")
    write_safetensors(out, tensors, {k: "F32" for k in tensors}, meta)
    print("wrote", out)


if __name__ == "__main__":
    main()
