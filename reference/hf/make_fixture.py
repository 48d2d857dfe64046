#!/usr/bin/python3
"""Builds the test fixtures of internal/hf: two tiny random checkpoints in Hugging Face layout and
the token ids and logits that PyTorch computes for them.

    /usr/bin/python3 reference/hf/make_fixture.py [OUT_DIR]   # default internal/hf/testdata

Needs Debian's python3-torch and python3-regex (apt-get install -y python3-torch python3-regex
libopenblas0-pthread). transformers is not used: the forward pass below re-implements
transformers' LlamaForCausalLM / Qwen2ForCausalLM math (RMSNorm, rotary positions with the
rotate_half convention and llama3 rope scaling, grouped-query attention scaled by 1/sqrt(head_dim),
SwiGLU MLP, q/k/v biases, tied embeddings) in float32, and safetensors files are written by hand
(8-byte little-endian header length, JSON header, raw little-endian tensor bytes).

The tokenizer is a byte-level BPE trained here on a small corpus: GPT-2 byte-to-unicode mapping,
pre-tokenizer regex (Llama-3's or Qwen2's, with their \\s+(?!\\S) lookahead, evaluated by the
`regex` module), merges ranks, added special tokens. Its encoder below is an independent reference
for the Go tokenizer.

Outputs, per model NAME in (llama, qwen2): the checkpoint folder NAME/ with config.json,
tokenizer.json, model.safetensors (llama; tensors stored as a mix of F32, BF16 and F16) or two
shards plus model.safetensors.index.json (qwen2); and next to it NAME.expected.json (prompts, their
token ids, pre-tokenizer pieces of extra strings) and NAME.logits.safetensors (one [T, vocab] F32
tensor per prompt). Deterministic: fixed seeds, sorted keys.
"""
import json
import math
import os
import struct
import sys
from collections import Counter

try:
    import regex  # only the tokenizer part needs it (realsize_logits.py imports the model part)
except ImportError:
    regex = None
import torch

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

CORPUS = """
The user visited Coffee Shop at 9am on Monday. Then the user went to the Office, the Gym and a
Bar. Next behavior: Coffee Shop. Next behavior: Train Station. The user opened WeChat, Maps,
Camera and Music at 10pm on Sunday. I'm here; you're there; it's 12345 steps. History: Home,
Office, Coffee Shop, Subway, Home. Predict the next behavior of the user from the history.

    Indented  text  with  double  spaces,  and blank lines.


  Done.  Yes.
"""

# Extra strings whose pre-tokenizer pieces are recorded (no forward pass): whitespace runs before
# letters, digits, punctuation and the end, CR/LF runs, contractions, digits, Unicode spaces.
SPLIT_CASES = [
    "  leading", "trailing   ", "x \n  y", "a\r\n\r\nb", "123 4567 89", "don't STOP'LL we'Ve",
    "\t\t x", "¿Qué?  ¡Sí!", "tab\t\tend\t", "emoji 😀😀 ok", "a\u3000\u3000b", "  12  !!  ",
    "x\u00a0\u00a0y", "end \n", " ", "", "...\n\n\nnext", "A1b2 c3", "hello   \n\tworld",
]

PROMPTS = [
    "Hello world",
    "The user visited Coffee Shop at 9am on Monday. Next behavior:",
    "a   b\n\n  c\t d  ",
    "I'm here, YOU'RE there'S 123456 café ☕ 中文!!",
    "x\u00a0 y\u000bz\u2003\u2003w  \n",
]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_MAP = bytes_to_unicode()


def pretokenize(text, pattern):
    return regex.findall(pattern, text)


def byte_map(piece):
    return "".join(BYTE_MAP[b] for b in piece.encode("utf-8"))


def train_bpe(corpus, pattern, num_merges):
    words = Counter(tuple(byte_map(p)) for p in pretokenize(corpus, pattern))
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new_words = Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] += c
        words = new_words
    return merges


class Tokenizer:
    def __init__(self, pattern, merges, added, ignore_merges, bos):
        self.pattern = pattern
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.vocab = {}
        for b in range(256):
            self.vocab[BYTE_MAP[b]] = len(self.vocab)
        for a, b in merges:
            if a + b not in self.vocab:
                self.vocab[a + b] = len(self.vocab)
        self.added = {tok: len(self.vocab) + i for i, tok in enumerate(added)}
        self.ignore_merges = ignore_merges
        self.bos = bos
        self.merges = merges

    def size(self):
        return len(self.vocab) + len(self.added)

    def bpe(self, word):
        if self.ignore_merges and word in self.vocab:
            return [word]
        syms = list(word)
        while len(syms) > 1:
            ranked = [(self.ranks.get((a, b), math.inf), (a, b)) for a, b in zip(syms, syms[1:])]
            r, best = min(ranked, key=lambda x: x[0])
            if r == math.inf:
                break
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        return syms

    def encode(self, text, add_special):
        # Split off added tokens (longest first at each position).
        ids, pos, start = [], 0, 0
        segs = []
        toks = sorted(self.added, key=len, reverse=True)
        while pos < len(text):
            for t in toks:
                if text.startswith(t, pos):
                    if start < pos:
                        segs.append(text[start:pos])
                    segs.append(self.added[t])
                    pos += len(t)
                    start = pos
                    break
            else:
                pos += 1
        if start < len(text):
            segs.append(text[start:])
        for s in segs:
            if isinstance(s, int):
                ids.append(s)
                continue
            for piece in pretokenize(s, self.pattern):
                ids.extend(self.vocab[sym] for sym in self.bpe(byte_map(piece)))
        if add_special and self.bos is not None:
            ids = [self.added[self.bos]] + ids
        return ids

    def to_json(self, flavour):
        added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for t, i in self.added.items()]
        if flavour == "llama":
            merges = [a + " " + b for a, b in self.merges]
            post = {"type": "TemplateProcessing",
                    "single": [{"SpecialToken": {"id": self.bos, "type_id": 0}},
                               {"Sequence": {"id": "A", "type_id": 0}}],
                    "pair": [{"SpecialToken": {"id": self.bos, "type_id": 0}},
                             {"Sequence": {"id": "A", "type_id": 0}},
                             {"SpecialToken": {"id": self.bos, "type_id": 1}},
                             {"Sequence": {"id": "B", "type_id": 1}}],
                    "special_tokens": {self.bos: {"id": self.bos, "ids": [self.added[self.bos]],
                                                  "tokens": [self.bos]}}}
            normalizer = None
        else:
            merges = [[a, b] for a, b in self.merges]
            post = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                    "use_regex": False}
            normalizer = {"type": "NFC"}
        return {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": normalizer,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": self.pattern}, "behavior": "Isolated",
                 "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                 "use_regex": False}]},
            "post_processor": post,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                        "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": None, "end_of_word_suffix": None,
                      "fuse_unk": False, "byte_fallback": False,
                      "ignore_merges": self.ignore_merges, "vocab": self.vocab, "merges": merges},
        }


# ---------------------------------------------------------------- model (transformers' math)

def inv_freq(cfg):
    dim = cfg["head_dim"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    rs = cfg.get("rope_scaling")
    if rs and rs["rope_type"] == "llama3":
        # transformers.modeling_rope_utils._compute_llama3_parameters
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, inv_l)
    return inv


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(cfg, W, ids):
    """Logits [T, vocab] of one unpadded sequence (batch of 1, positions 0..T-1)."""
    T = len(ids)
    nh, nkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    x = W["model.embed_tokens.weight"][torch.tensor([ids])]  # [1, T, D]
    pos = torch.arange(T)[None, :].float()
    freqs = (inv_freq(cfg)[None, :, None] @ pos[:, None, :]).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [1, 1, T, hd]
    mask = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)

    def lin(h, name):
        y = h @ W[name + ".weight"].T
        if name + ".bias" in W:
            y = y + W[name + ".bias"]
        return y

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj").view(1, T, nh, hd).transpose(1, 2)
        k = lin(h, p + "self_attn.k_proj").view(1, T, nkv, hd).transpose(1, 2)
        v = lin(h, p + "self_attn.v_proj").view(1, T, nkv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = nh // nkv
        k = k[:, :, None].expand(1, nkv, rep, T, hd).reshape(1, nh, T, hd)
        v = v[:, :, None].expand(1, nkv, rep, T, hd).reshape(1, nh, T, hd)
        att = (q @ k.transpose(2, 3)) * hd ** -0.5 + mask
        att = torch.softmax(att, dim=-1, dtype=torch.float32)
        o = (att @ v).transpose(1, 2).reshape(1, T, nh * hd)
        x = x + lin(o, p + "self_attn.o_proj")
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = lin(h, p + "mlp.gate_proj")
        x = x + lin(torch.nn.functional.silu(g) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return (x @ head.T)[0]


def make_weights(cfg, seed, qkv_bias):
    g = torch.Generator().manual_seed(seed)
    d, hd = cfg["hidden_size"], cfg["head_dim"]
    nh, nkv, inter, V = cfg["num_attention_heads"], cfg["num_key_value_heads"], \
        cfg["intermediate_size"], cfg["vocab_size"]

    def rnd(*shape, scale=None):
        scale = scale if scale is not None else 1 / math.sqrt(shape[-1])
        return torch.randn(*shape, generator=g) * scale

    W = {"model.embed_tokens.weight": rnd(V, d, scale=0.5)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        W[p + "input_layernorm.weight"] = 1 + 0.1 * rnd(d, scale=1)
        W[p + "post_attention_layernorm.weight"] = 1 + 0.1 * rnd(d, scale=1)
        W[p + "self_attn.q_proj.weight"] = rnd(nh * hd, d)
        W[p + "self_attn.k_proj.weight"] = rnd(nkv * hd, d)
        W[p + "self_attn.v_proj.weight"] = rnd(nkv * hd, d)
        W[p + "self_attn.o_proj.weight"] = rnd(d, nh * hd)
        if qkv_bias:
            for n in ("q", "k", "v"):
                W[p + f"self_attn.{n}_proj.bias"] = rnd(W[p + f"self_attn.{n}_proj.weight"].shape[0], scale=0.1)
        W[p + "mlp.gate_proj.weight"] = rnd(inter, d)
        W[p + "mlp.up_proj.weight"] = rnd(inter, d)
        W[p + "mlp.down_proj.weight"] = rnd(d, inter)
    W["model.norm.weight"] = 1 + 0.1 * rnd(d, scale=1)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = rnd(V, d)
    return W


# ---------------------------------------------------------------- safetensors writer

def tensor_bytes(t, dtype):
    if dtype == "F32":
        return t.to(torch.float32).contiguous().numpy().tobytes()
    if dtype == "F16":
        return t.to(torch.float16).contiguous().numpy().tobytes()
    if dtype == "BF16":
        return t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtypes, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        b = tensor_bytes(tensors[name], dtypes.get(name, "F32"))
        header[name] = {"dtype": dtypes.get(name, "F32"), "shape": list(tensors[name].shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def round_to(t, dtype):
    """The float32 value the Go loader will see for t stored as dtype."""
    return {"F32": t, "F16": t.to(torch.float16).float(), "BF16": t.to(torch.bfloat16).float()}[dtype]


def build(out, flavour):
    os.makedirs(out, exist_ok=True)
    if flavour == "llama":
        pattern, added, bos = LLAMA3_PATTERN, ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"], "<|begin_of_text|>"
    else:
        pattern, added, bos = QWEN2_PATTERN, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], None
    merges = train_bpe(CORPUS, pattern, 48)
    tok = Tokenizer(pattern, merges, added, ignore_merges=(flavour == "llama"), bos=bos)
    vocab_size = tok.size() + 5  # a few unused rows, as real checkpoints pad the vocabulary
    if flavour == "llama":
        cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab_size,
               "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
               "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "hidden_act": "silu",
               "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
               "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
               "max_position_embeddings": 256, "bos_token_id": tok.added[bos],
               "eos_token_id": tok.added["<|eot_id|>"], "torch_dtype": "bfloat16"}
    else:
        cfg = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": vocab_size,
               "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 1, "rms_norm_eps": 1e-6,
               "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": True,
               "use_sliding_window": False, "max_position_embeddings": 256,
               "eos_token_id": tok.added["<|endoftext|>"], "torch_dtype": "float32"}
    full = dict(cfg)
    full.setdefault("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    W = make_weights(full, seed=1 if flavour == "llama" else 2, qkv_bias=(flavour == "qwen2"))

    dtypes = {}
    if flavour == "llama":
        dtypes["model.embed_tokens.weight"] = "BF16"
        for n in W:
            if n.startswith("model.layers.0.self_attn"):
                dtypes[n] = "F16"
            if n.startswith("model.layers.1.mlp"):
                dtypes[n] = "BF16"
    else:
        dtypes["model.layers.1.mlp.up_proj.weight"] = "BF16"
        dtypes["model.layers.0.self_attn.q_proj.bias"] = "F16"
    W = {n: round_to(t, dtypes.get(n, "F32")) for n, t in W.items()}

    if flavour == "llama":
        write_safetensors(os.path.join(out, "model.safetensors"), W, dtypes, {"format": "pt"})
    else:
        shards = [{n: t for n, t in W.items() if not n.startswith("model.layers.1") and n != "model.norm.weight"},
                  {n: t for n, t in W.items() if n.startswith("model.layers.1") or n == "model.norm.weight"}]
        weight_map = {}
        for i, shard in enumerate(shards):
            fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
            write_safetensors(os.path.join(out, fname), shard, dtypes, {"format": "pt"})
            weight_map.update({n: fname for n in shard})
        total = sum(t.numel() * 4 for t in W.values())
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)

    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tok.to_json(flavour), f, ensure_ascii=False, sort_keys=True)

    prompts = list(PROMPTS)
    prompts.append("<|im_start|>user\nNext?<|im_end|>" if flavour == "qwen2" else "<|begin_of_text|>Home<|eot_id|>")
    records, logits = [], {}
    with torch.no_grad():
        for i, text in enumerate(prompts):
            ids = tok.encode(text, add_special=False)
            ids_special = tok.encode(text, add_special=True)
            logits[f"prompt{i}"] = forward(full, W, ids_special)
            records.append({"text": text, "ids": ids, "ids_special": ids_special})
    write_safetensors(out + ".logits.safetensors", logits, {})
    splits = [{"text": s, "pieces": pretokenize(s, pattern)} for s in SPLIT_CASES + PROMPTS]
    gpt2_splits = [{"text": s, "pieces": pretokenize(s, GPT2_PATTERN)} for s in SPLIT_CASES + PROMPTS]
    with open(out + ".expected.json", "w") as f:
        json.dump({"prompts": records, "splits": splits, "gpt2_splits": gpt2_splits, "torch_version": torch.__version__}, f,
                  ensure_ascii=False)
    print(f"{flavour}: vocab {vocab_size}, {len(merges)} merges, "
          f"{sum(t.numel() for t in W.values())} parameters, prompt lengths {[len(r['ids_special']) for r in records]}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "internal", "hf", "testdata")
    torch.manual_seed(0)
    for flavour in ("llama", "qwen2"):
        build(os.path.join(out, flavour), flavour)


if __name__ == "__main__":
    main()
