"""Where Python has transformers (scripts/gpu-check.sh uses it on a GPU machine): creates a
randomly initialised Qwen2ForCausalLM with Qwen2.5-0.5B's config, saves it with save_pretrained
(bf16 safetensors, as the Hub's files), and writes transformers' own float32 logits of the same
prompts as realsize_logits.py, in its file format, for `realsize -check-logits`.

    python3 reference/hf/transformers_logits.py OUT_DIR LOGITS.safetensors TOKENIZER.json[.gz]

Not run in this repository's CI (transformers is not installable there).
"""
import gzip
import json
import os
import shutil
import sys

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixture import write_safetensors  # noqa: E402
from realsize_logits import prompts  # noqa: E402

# Qwen/Qwen2.5-0.5B's config.json (as internal/hf/randckpt).
CONFIG = dict(
    architectures=["Qwen2ForCausalLM"], attention_dropout=0.0, bos_token_id=151643, eos_token_id=151643,
    hidden_act="silu", hidden_size=896, initializer_range=0.02, intermediate_size=4864,
    max_position_embeddings=32768, max_window_layers=24, model_type="qwen2", num_attention_heads=14,
    num_hidden_layers=24, num_key_value_heads=2, rms_norm_eps=1e-06, rope_theta=1000000.0,
    sliding_window=32768, tie_word_embeddings=True, torch_dtype="bfloat16", use_cache=True,
    use_mrope=False, use_sliding_window=False, vocab_size=151936)


def main():
    out, logits_path, tok = sys.argv[1], sys.argv[2], sys.argv[3]
    torch.manual_seed(1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = Qwen2ForCausalLM(Qwen2Config(**CONFIG)).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    if tok.endswith(".gz"):
        with gzip.open(tok, "rb") as src, open(os.path.join(out, "tokenizer.json"), "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        shutil.copy(tok, os.path.join(out, "tokenizer.json"))
    # The reference: the saved bf16 weights in float32 on the CPU, eager attention.
    model = Qwen2ForCausalLM.from_pretrained(out, torch_dtype=torch.float32, attn_implementation="eager").eval()
    tensors, meta = {}, {}
    with torch.no_grad():
        for i, ids in enumerate(prompts("qwen3")):
            tensors[f"prompt{i}"] = model(torch.tensor([ids])).logits[0].float()
            meta[f"prompt{i}"] = json.dumps(ids)
            print(f"prompt{i}: {len(ids)} tokens")
    write_safetensors(logits_path, tensors, {k: "F32" for k in tensors}, meta)
    print("wrote", out, "and", logits_path)


if __name__ == "__main__":
    main()
