// Package hf loads Hugging Face Llama and Qwen2 checkpoints from a local folder and runs them in
// GoMLX, in pure Go: the decoder-only transformer (RMSNorm, rotary positions, grouped-query
// attention, SwiGLU MLP, optional q/k/v biases, tied or untied embeddings), LoRA adapters on the
// attention and MLP projections (saved and loaded in PEFT's layout), and the scoring of
// multi-token candidate names (behaviors) after a prompt. Its two GoMLX-free parts are packages of
// their own: tokenizer (byte-level BPE from tokenizer.json) and safetensors (safetensors files and
// checkpoint folders).
//
// Nothing is downloaded: a checkpoint folder holds config.json, model.safetensors (or shards listed
// in model.safetensors.index.json) and tokenizer.json, as published on the Hugging Face Hub.
//
// Numerics follow transformers' LlamaForCausalLM / Qwen2ForCausalLM in float32: weights stored as
// bf16 or f16 are converted to float32 on load. Positions are derived from the attention mask
// (cumulative count of real tokens), as transformers' generate does, so a left-padded prompt gives
// the same logits as the unpadded one.
package hf
