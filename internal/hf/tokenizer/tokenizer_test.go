package tokenizer

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// gpt2StyleTokenizer builds a GPT-2-like tokenizer.json: a single ByteLevel pre-tokenizer with the
// built-in regex and add_prefix_space, merges as "a b" strings, and two added tokens with lstrip /
// rstrip.
func gpt2StyleTokenizer(t *testing.T, edit func(map[string]any)) *Tokenizer {
	t.Helper()
	toRune, _ := byteLevelTables()
	vocab := map[string]int{}
	for b := 0; b < 256; b++ {
		vocab[string(toRune[b])] = b
	}
	merges := []string{"Ġ h", "Ġh i", "h i"}
	for _, m := range merges {
		vocab[strings.ReplaceAll(m, " ", "")] = len(vocab)
	}
	doc := map[string]any{
		"added_tokens": []any{
			map[string]any{"id": 300, "content": "<s>", "lstrip": true, "special": true},
			map[string]any{"id": 301, "content": "[X]", "rstrip": true, "special": false},
		},
		"normalizer":     nil,
		"pre_tokenizer":  map[string]any{"type": "ByteLevel", "add_prefix_space": true, "use_regex": true},
		"post_processor": map[string]any{"type": "ByteLevel"},
		"decoder":        map[string]any{"type": "ByteLevel"},
		"model":          map[string]any{"type": "BPE", "vocab": vocab, "merges": merges},
	}
	if edit != nil {
		edit(doc)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTokenizerGPT2Style(t *testing.T) {
	tk := gpt2StyleTokenizer(t, nil)
	hi, _ := tk.TokenID("Ġhi")
	cases := []struct {
		text string
		want []int
	}{
		// add_prefix_space: "hi" is encoded as " hi".
		{"hi", []int{hi}},
		{"hi hi", []int{hi, hi}},
		// "<s>" strips the spaces on its left; "[X]" those on its right.
		{"hi  <s>hi", []int{hi, 300, hi}},
		{"[X]   hi", []int{301, hi}},
		// No merge for " a": the mapped space (byte 32, id 32 here) and "a".
		{"a", []int{32, 'a'}},
	}
	for _, c := range cases {
		got, err := tk.Encode(c.text, true)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if got := tk.Decode([]int{hi, 300, hi}, true); got != " hi hi" {
		t.Errorf("Decode skipping special = %q", got)
	}
	if got := tk.Decode([]int{hi, 301}, true); got != " hi[X]" {
		t.Errorf("Decode keeps non-special added tokens: got %q", got)
	}
}

func TestTokenizerRejectsUnsupported(t *testing.T) {
	cases := map[string]func(map[string]any){
		"wordpiece": func(d map[string]any) { d["model"].(map[string]any)["type"] = "WordPiece" },
		"metaspace": func(d map[string]any) { d["pre_tokenizer"] = map[string]any{"type": "Metaspace"} },
		"lowercase": func(d map[string]any) { d["normalizer"] = map[string]any{"type": "Lowercase"} },
		"lookbehind": func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"Regex": `(?<=a)b|\s+`}, "behavior": "Isolated"}
		},
		"other lookahead": func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"Regex": `a(?=b)|\s+`}, "behavior": "Isolated"}
		},
		"removed behavior": func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"String": " "}, "behavior": "Removed"}
		},
		"bad merge":       func(d map[string]any) { d["model"].(map[string]any)["merges"] = []any{"abc"} },
		"bad unk":         func(d map[string]any) { d["model"].(map[string]any)["unk_token"] = "<unk>" },
		"byte fallback":   func(d map[string]any) { d["model"].(map[string]any)["byte_fallback"] = true },
		"bert processing": func(d map[string]any) { d["post_processor"] = map[string]any{"type": "BertProcessing"} },
		"wordpiece decoder": func(d map[string]any) {
			d["decoder"] = map[string]any{"type": "WordPiece"}
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			gpt2StyleTokenizer(t, func(d map[string]any) { doc = d })
			edit(doc)
			data, _ := json.Marshal(doc)
			if _, err := Parse(data); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestSplitStringPatternAndGaps(t *testing.T) {
	tk := gpt2StyleTokenizer(t, func(d map[string]any) {
		d["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"String": "a.b"}, "behavior": "Isolated"},
		}}
	})
	got := tk.preTok[0]("xxa.byya+b")
	if want := []string{"xx", "a.b", "yya+b"}; !slices.Equal(got, want) {
		t.Errorf("string split = %q, want %q", got, want)
	}
}

// FuzzEncodeRoundTrip checks that the pre-tokenizer pieces cover the text exactly and that
// decoding the ids of any text gives the text back, for both fixture tokenizers.
func FuzzEncodeRoundTrip(f *testing.F) {
	for _, s := range []string{"Hello world", "a   b\n\n  c\t d  ", "I'm here 123456 café ☕", "<|im_start|>x<|im_end|>", "\u00a0\v\u3000"} {
		f.Add(s)
	}
	var tks []*Tokenizer
	for _, fl := range flavours {
		tk, err := Load(fixtureDir(fl))
		if err != nil {
			f.Fatal(err)
		}
		tks = append(tks, tk)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range tks {
			if got := strings.Join(tk.preTok[0](s), ""); got != s {
				t.Errorf("pieces join to %q, not %q", got, s)
			}
			ids, err := tk.Encode(s, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := tk.Decode(ids, false); got != s {
				t.Errorf("Decode(Encode(%q)) = %q", s, got)
			}
		}
	})
}

// TestTokenizerNFC checks that an NFC normalizer composes text before encoding: "e" + U+0301
// (combining acute) encodes like the precomposed U+00E9, and differently without the normalizer.
func TestTokenizerNFC(t *testing.T) {
	decomposed, composed := "caf\u0065\u0301", "caf\u00e9"
	for _, c := range []struct {
		name       string
		normalizer any
		same       bool
	}{
		{"none", nil, false},
		{"NFC", map[string]any{"type": "NFC"}, true},
		{"Sequence[NFC]", map[string]any{"type": "Sequence", "normalizers": []any{map[string]any{"type": "NFC"}}}, true},
	} {
		tk := gpt2StyleTokenizer(t, func(d map[string]any) { d["normalizer"] = c.normalizer })
		a, err := tk.Encode(decomposed, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := tk.Encode(composed, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Equal(a, b); got != c.same {
			t.Errorf("%s: Encode(decomposed) = %v, Encode(composed) = %v; equal = %v, want %v", c.name, a, b, got, c.same)
		}
	}
}
