// Package tokenizer is a byte-level BPE tokenizer read from a Hugging Face tokenizer.json, as
// Llama-3, Qwen2/Qwen3 and GPT-2 ship it, in pure Go (no GoMLX). Its encoding and decoding are
// checked against independent implementations (tiktoken, tokenizers.js) on the real tokenizer
// files of those models; see testdata/real and reference/tokenizers.
package tokenizer
