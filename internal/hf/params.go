package hf

import (
	"fmt"
	"slices"
)

// Params are the parameters of an `hf` backbone entry of experiments.yaml, e.g.
//
//	backbones:
//	  qwen05:
//	    kind: hf
//	    path: /models/Qwen2-0.5B
//	    lora: {rank: 8, alpha: 16, target: [q_proj, v_proj]}
type Params struct {
	// Path is the local checkpoint folder (config.json, model.safetensors or shards + index,
	// tokenizer.json). Required; nothing is downloaded.
	Path string `yaml:"path" json:"path"`
	// LoRA configures the adapters; rank 0 means no adapters (full fine-tuning of all weights).
	// [rank 8, alpha 16, dropout 0.05, target [q_proj, v_proj], seed 0 = the run's seed]
	LoRA LoRAConfig `yaml:"lora" json:"lora"`
	// Score is how behavior names are scored: auto, first-token or full (see ScoreMode) [auto].
	Score ScoreMode `yaml:"score" json:"score"`
	// MaxPromptTokens is the prompt length: longer prompts keep their last tokens, shorter ones are
	// left-padded [256].
	MaxPromptTokens int `yaml:"max_prompt_tokens" json:"max_prompt_tokens"`
	// NamePrefix and NameSuffix surround a behavior name when it is tokenized as a continuation of
	// the prompt [" ", ""].
	NamePrefix string `yaml:"name_prefix" json:"name_prefix"`
	NameSuffix string `yaml:"name_suffix" json:"name_suffix"`
	// MaxTrieNodes bounds the candidate tokens scored per pass in full mode [256].
	MaxTrieNodes int `yaml:"max_trie_nodes" json:"max_trie_nodes"`
	// AddSpecialTokens applies the tokenizer's template to prompts (e.g. Llama-3's
	// <|begin_of_text|>) [true].
	AddSpecialTokens bool `yaml:"add_special_tokens" json:"add_special_tokens"`
}

// DefaultParams returns the defaults documented on Params (Path empty).
func DefaultParams() Params {
	return Params{
		LoRA:             *DefaultLoRA(),
		Score:            ScoreAuto,
		MaxPromptTokens:  256,
		NamePrefix:       " ",
		MaxTrieNodes:     DefaultMaxTrieNodes,
		AddSpecialTokens: true,
	}
}

// Validate reports the first invalid field, naming its YAML key.
func (p Params) Validate() error {
	if p.Path == "" {
		return fmt.Errorf("path: the local checkpoint folder is required")
	}
	if p.LoRA.Rank < 0 {
		return fmt.Errorf("lora.rank: must be >= 0 (0 = no adapters), got %d", p.LoRA.Rank)
	}
	if p.LoRA.Rank > 0 {
		if err := p.LoRA.validate(); err != nil {
			return err
		}
	}
	if !slices.Contains([]ScoreMode{ScoreAuto, ScoreFirstToken, ScoreFull}, p.Score) {
		return fmt.Errorf("score: %q is not auto, first-token or full", p.Score)
	}
	if p.MaxPromptTokens <= 0 {
		return fmt.Errorf("max_prompt_tokens: must be positive, got %d", p.MaxPromptTokens)
	}
	if p.MaxTrieNodes < 0 {
		return fmt.Errorf("max_trie_nodes: must be >= 0 (0 = default), got %d", p.MaxTrieNodes)
	}
	return nil
}

// Open validates p and loads the checkpoint with its LoRA configuration (nil for rank 0); seed
// replaces a zero LoRA seed. Call Init on a context next.
func Open(p Params, seed uint64) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("hf backbone: %w", err)
	}
	m, err := Load(p.Path)
	if err != nil {
		return nil, err
	}
	if p.LoRA.Rank > 0 {
		l := p.LoRA
		l.Target = slices.Clone(l.Target)
		if l.Seed == 0 {
			l.Seed = seed
		}
		m.LoRA = &l
	}
	return m, nil
}

// EncodePrompts tokenizes texts and packs them to exactly length tokens each (left-truncated,
// left-padded), as flat row-major arrays of len(texts)*length values ready for a train.Array:
// tokens (pad id 0) and mask (1 = real token).
func (m *Model) EncodePrompts(texts []string, length int, addSpecial bool) (tokens, mask []int32, err error) {
	seqs := make([][]int, len(texts))
	for i, text := range texts {
		ids, err := m.Tokenizer.Encode(text, addSpecial)
		if err != nil {
			return nil, nil, fmt.Errorf("prompt %d: %w", i, err)
		}
		if len(ids) == 0 {
			return nil, nil, fmt.Errorf("prompt %d %q has no tokens", i, text)
		}
		seqs[i] = ids
	}
	tok2, mask2 := PadPrompts(seqs, length, 0)
	tokens = make([]int32, 0, len(texts)*length)
	mask = make([]int32, 0, len(texts)*length)
	for i := range tok2 {
		tokens = append(tokens, tok2[i]...)
		mask = append(mask, mask2[i]...)
	}
	return tokens, mask, nil
}
