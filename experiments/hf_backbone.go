package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/hf"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// BackboneKindHF is a local Hugging Face Llama/Qwen2 checkpoint (internal/hf), meant for GPUs and
// TPUs through the XLA backend.
const BackboneKindHF = "hf"

// HFBackbone is the parameter struct of the hf backbone kind, e.g.
//
//	backbones:
//	  qwen05: {kind: hf, path: /models/Qwen2-0.5B, lora: {rank: 8, alpha: 16, target: [q_proj, v_proj]}}
//
// Samples are rendered as text (see RenderHFPrompt) and each behavior is scored by its name after
// the prompt (hf.Params.Score: the first token's logit when names start with distinct tokens,
// else the summed log-probability of all the name's tokens).
//
// LoRA: the backbone's lora section (default rank 8, alpha 16 on q_proj and v_proj) applies
// unless the method sets lora.rank > 0, which then overrides rank and alpha (targets, dropout
// stay the backbone's; no targets there means q_proj, v_proj). Backbone lora.rank 0 with method rank 0 means full fine-tuning.
type HFBackbone struct {
	hf.Params `yaml:",inline"`
	// Pretrained false initialises the architecture randomly instead of loading the weights [true].
	Pretrained bool `yaml:"pretrained"`
	// SaveAdapter writes the LoRA adapter of each fine-tuning stage into the cell's artefact folder
	// (method.Env.ArtifactDir; the runner's is results/EXP/artifacts/DATA/METHOD/kK-seedS), as
	// STAGE/adapter_config.json and STAGE/adapter_model.safetensors in PEFT's layout, and lets the
	// runner's -repeat score the saved adapters without training [false]. Omitted from the
	// effective configuration when false, so existing config hashes are unchanged.
	SaveAdapter bool `yaml:"save_adapter,omitempty"`
}

// DefaultHFBackbone returns the hf defaults: hf.DefaultParams with names followed by "\n" (the
// end of a line in the rendered history), pretrained.
func DefaultHFBackbone() *HFBackbone {
	p := hf.DefaultParams()
	p.NameSuffix = "\n"
	return &HFBackbone{Params: p, Pretrained: true}
}

// NewBackbone validates the parameters and returns the backbone.
func (p *HFBackbone) NewBackbone() (Backbone, error) {
	if err := p.Params.Validate(); err != nil {
		return nil, err
	}
	if p.SaveAdapter && p.LoRA.Rank == 0 {
		return nil, fmt.Errorf("save_adapter: needs LoRA adapters (lora.rank > 0); full fine-tuning saves no adapter")
	}
	c := *p
	c.LoRA.Target = append([]string(nil), p.LoRA.Target...)
	return &hfBackbone{params: c}, nil
}

type hfBackbone struct{ params HFBackbone }

// RenderHFPrompt renders a history and the time of the next event as the text prompt of the hf
// backbone, one event per line, oldest first, ending where the next behavior's name goes:
//
//	Recent behaviors of a user, oldest first:
//	Monday 09:00 Coffee Shop
//	Monday 12:00 Office
//	Monday 18:00
func RenderHFPrompt(names []string, history []datasets.Step, next datasets.Step) string {
	var b strings.Builder
	b.WriteString("Recent behaviors of a user, oldest first:\n")
	for _, st := range history {
		fmt.Fprintf(&b, "%s %02d:00 %s\n", time.Weekday(st.Weekday), st.Hour, names[st.Behavior])
	}
	fmt.Fprintf(&b, "%s %02d:00", time.Weekday(next.Weekday), next.Hour)
	return b.String()
}

// Load opens the checkpoint, initialises a fresh context seeded with env.Seed, and returns the
// prompt encoder and the behavior scorer.
func (b *hfBackbone) Load(env method.Env, task *datasets.Task, opts LoadOptions) (*Loaded, error) {
	start := time.Now()
	p := b.params.Params
	if opts.LoRA.Rank > 0 {
		p.LoRA.Rank, p.LoRA.Alpha = opts.LoRA.Rank, opts.LoRA.Alpha
		if len(p.LoRA.Target) == 0 {
			p.LoRA.Target = hf.DefaultLoRA().Target
		}
	}
	m, err := hf.Open(p, env.Seed)
	if err != nil {
		return nil, err
	}
	if !m.Tokenizer.CoversAllBytes() {
		return nil, fmt.Errorf("hf backbone %s: the tokenizer does not cover all 256 bytes, so some prompts could not be encoded", p.Path)
	}
	m.Backend = env.Backend // the weights are read straight into the backend's buffers: held once
	ctx := context.New()
	engine.SeedContext(ctx, env.Seed)
	pretrained := b.params.Pretrained
	if opts.Pretrained != nil {
		pretrained = *opts.Pretrained
	}
	if pretrained {
		err = m.Init(ctx)
	} else {
		err = m.InitRandom(ctx, env.Seed)
	}
	if err != nil {
		return nil, err
	}
	cands, err := hf.NewCandidates(m.Tokenizer, task.Behaviors, p.NamePrefix, p.NameSuffix, p.MaxTrieNodes)
	if err != nil {
		return nil, fmt.Errorf("hf backbone %s: %w", p.Path, err)
	}
	scorer, err := hf.NewScorer(m, cands, p.Score)
	if err != nil {
		return nil, fmt.Errorf("hf backbone %s: %w", p.Path, err)
	}
	env.Log("hf backbone %s: %s, %d parameters, LoRA %v, behaviors scored by %s (%d trie nodes in %d groups)",
		p.Path, m.Config.ModelType, m.NumParameters(), m.LoRA != nil, scorer.Mode, cands.NumNodes(), cands.NumGroups())
	var trainable func(string) bool
	if m.LoRA != nil {
		trainable = m.Trainable()
	}
	full := 0.0
	if scorer.Mode == hf.ScoreFull {
		full = 1
	}
	loaded := &Loaded{
		Ctx:        ctx,
		Encode:     hfEncoder(m, task.Behaviors, p),
		Model:      scorer.ModelFn(),
		NumClasses: task.NumClasses(),
		Trainable:  trainable,
		Stages:     []method.Stage{{Name: "load-checkpoint", Seconds: time.Since(start).Seconds()}},
		Info: map[string]float64{"parameters": float64(m.NumParameters()), "score_full": full,
			"trie_nodes": float64(cands.NumNodes()), "trie_groups": float64(cands.NumGroups())},
	}
	if b.params.SaveAdapter && m.LoRA != nil {
		loaded.SaveTrained = func(dir string) error { return m.SaveAdapter(ctx, dir) }
		loaded.LoadTrained = func(dir string) (bool, error) {
			if _, err := os.Stat(filepath.Join(dir, hf.AdapterWeightsFile)); errors.Is(err, fs.ErrNotExist) {
				return false, nil
			}
			return true, m.LoadAdapter(ctx, dir)
		}
	}
	return loaded, nil
}

// hfEncoder returns the Loaded.Encode of the hf backbone: prompts rendered as text, oldest events
// dropped until the prompt fits p.MaxPromptTokens, left-padded to the longest prompt of the call
// rounded up to a multiple of 8 (so a call compiles one graph shape). Inputs are [tokens, mask].
func hfEncoder(m *hf.Model, names []string, p hf.Params) func([]datasets.Sample) train.Inputs {
	return func(samples []datasets.Sample) train.Inputs {
		seqs := make([][]int, len(samples))
		length := 1
		for i, s := range samples {
			hist := s.History
			for {
				ids, err := m.Tokenizer.Encode(RenderHFPrompt(names, hist, s.Next), p.AddSpecialTokens)
				if err != nil {
					// Unreachable: Load checked that the tokenizer covers every byte.
					panic(fmt.Errorf("hf backbone: encoding sample %d: %w", i, err))
				}
				if len(ids) <= p.MaxPromptTokens || len(hist) == 0 {
					seqs[i] = ids
					break
				}
				hist = hist[1:]
			}
			length = max(length, min(len(seqs[i]), p.MaxPromptTokens))
		}
		length = (length + 7) / 8 * 8
		tokens, mask := hf.PadPrompts(seqs, length, 0)
		in := train.Inputs{N: len(samples), Arrays: []train.Array{
			{Shape: []int{length}, Data: make([]int32, 0, len(samples)*length)},
			{Shape: []int{length}, Data: make([]int32, 0, len(samples)*length)},
		}}
		for i := range tokens {
			in.Arrays[0].Data = append(in.Arrays[0].Data, tokens[i]...)
			in.Arrays[1].Data = append(in.Arrays[1].Data, mask[i]...)
		}
		return in
	}
}
