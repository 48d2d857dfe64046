package hf_test

import (
	"fmt"
	"log"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/hf"
)

// Scoring behavior names after prompts with a local checkpoint (here the tiny test fixture). It
// prints "mode full: 2 prompts x 4 candidates, 13 trie nodes for 16 name tokens". (No Output
// check: the pure-Go backend writes a line to stdout when created.)
func ExampleScorer() {
	backend, err := engine.New("go")
	if err != nil {
		log.Fatal(err)
	}
	m, err := hf.Load("testdata/qwen2")
	if err != nil {
		log.Fatal(err)
	}
	m.LoRA = &hf.LoRAConfig{Rank: 4, Alpha: 8, Target: []string{"q_proj", "v_proj"}}
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	if err := m.Init(ctx); err != nil {
		log.Fatal(err)
	}
	cands, err := hf.NewCandidates(m.Tokenizer, []string{"Coffee Shop", "Home Office", "Home", "Gym"}, " ", "", 0)
	if err != nil {
		log.Fatal(err)
	}
	s, err := hf.NewScorer(m, cands, hf.ScoreAuto)
	if err != nil {
		log.Fatal(err)
	}
	var prompts [][]int
	for _, text := range []string{"History: Home, Office. Next behavior:", "Next:"} {
		ids, err := m.Tokenizer.Encode(text, true)
		if err != nil {
			log.Fatal(err)
		}
		prompts = append(prompts, ids)
	}
	scores, err := s.Score(backend, ctx, prompts, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mode %s: %d prompts x %d candidates, %d trie nodes for %d name tokens\n",
		s.Mode, len(scores), len(scores[0]), cands.NumNodes(), countTokens(cands.Tokens))
}

func countTokens(seqs [][]int) int {
	n := 0
	for _, s := range seqs {
		n += len(s)
	}
	return n
}
