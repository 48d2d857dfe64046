package hf

import (
	"slices"
	"strings"
	"testing"
)

func TestParams(t *testing.T) {
	p := DefaultParams()
	p.Path = fixtureDir("llama")
	m, err := Open(p, 11)
	if err != nil {
		t.Fatal(err)
	}
	if m.LoRA == nil || m.LoRA.Rank != 8 || m.LoRA.Seed != 11 || !slices.Equal(m.LoRA.Target, []string{"q_proj", "v_proj"}) {
		t.Errorf("default LoRA = %+v", m.LoRA)
	}
	p.LoRA.Rank = 0
	if m, err = Open(p, 11); err != nil || m.LoRA != nil {
		t.Errorf("rank 0: LoRA %+v, err %v", m.LoRA, err)
	}
	for key, edit := range map[string]func(*Params){
		"path":              func(p *Params) { p.Path = "" },
		"lora.rank":         func(p *Params) { p.LoRA.Rank = -1 },
		"lora":              func(p *Params) { p.LoRA.Target = []string{"attn"} },
		"score":             func(p *Params) { p.Score = "best" },
		"max_prompt_tokens": func(p *Params) { p.MaxPromptTokens = 0 },
	} {
		q := DefaultParams()
		q.Path = "x"
		edit(&q)
		if err := q.Validate(); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: Validate() = %v", key, err)
		}
	}

	tokens, mask, err := m.EncodePrompts([]string{"Hello world", "a"}, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := m.Tokenizer.Encode("Hello world", true)
	a, _ := m.Tokenizer.Encode("a", true)
	want := append(append(toInt32(hello[len(hello)-4:]), 0, 0), toInt32(a)...)
	if !slices.Equal(tokens, want) || !slices.Equal(mask, []int32{1, 1, 1, 1, 0, 0, 1, 1}) {
		t.Errorf("EncodePrompts = %v / %v, want %v", tokens, mask, want)
	}
}

func toInt32(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}
