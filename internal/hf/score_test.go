package hf

import (
	"math"
	"testing"
)

var fixtureNames = []string{"Coffee Shop", "Coffee House", "Office", "Home", "Home Office", "Gym", "Bar",
	"Subway", "Train Station", "Music"}

// bruteForceScores computes, with one Forward pass per (prompt, candidate), the sum of the
// log-probabilities of the candidate's tokens after the prompt.
func bruteForceScores(t *testing.T, m *Model, cands *Candidates, prompts [][]int) [][]float64 {
	t.Helper()
	backend := newBackend(t)
	_, ctx := loadFixture(t, "llama", nil)
	out := make([][]float64, len(prompts))
	for i, p := range prompts {
		var seqs [][]int
		for _, c := range cands.Tokens {
			seqs = append(seqs, append(append([]int(nil), p...), c...))
		}
		logits := runForward(t, backend, m, ctx, seqs)
		for ci, c := range cands.Tokens {
			row := logits[ci]
			pad := len(row) - len(p) - len(c)
			total := 0.0
			for j, tok := range c {
				pos := pad + len(p) - 1 + j
				total += logSoftmaxAt(row[pos], tok)
			}
			out[i] = append(out[i], total)
		}
	}
	return out
}

func logSoftmaxAt(logits []float32, k int) float64 {
	mx := math.Inf(-1)
	for _, x := range logits {
		mx = max(mx, float64(x))
	}
	sum := 0.0
	for _, x := range logits {
		sum += math.Exp(float64(x) - mx)
	}
	return float64(logits[k]) - mx - math.Log(sum)
}

func fixturePrompts(t *testing.T, m *Model) [][]int {
	t.Helper()
	var prompts [][]int
	for _, text := range []string{"History: Home, Office. Next behavior:", "Next:", "The user went to the Gym and a Bar. Next behavior:"} {
		ids, err := m.Tokenizer.Encode(text, true)
		if err != nil {
			t.Fatal(err)
		}
		prompts = append(prompts, ids)
	}
	return prompts
}

func TestScoreFullMatchesBruteForce(t *testing.T) {
	m, ctx := loadFixture(t, "llama", nil)
	backend := newBackend(t)
	prompts := fixturePrompts(t, m)
	for _, maxNodes := range []int{0, 16} {
		cands, err := NewCandidates(m.Tokenizer, fixtureNames, " ", "\n", maxNodes)
		if err != nil {
			t.Fatal(err)
		}
		sumTokens := 0
		for _, c := range cands.Tokens {
			sumTokens += len(c)
		}
		t.Logf("maxNodes %d: %d candidates, %d tokens, %d trie nodes in %d groups", maxNodes, len(cands.Tokens), sumTokens, cands.NumNodes(), cands.NumGroups())
		if maxNodes == 0 && cands.NumNodes() >= sumTokens {
			t.Errorf("no prefix sharing: %d nodes for %d tokens", cands.NumNodes(), sumTokens)
		}
		if maxNodes == 16 && cands.NumGroups() < 3 {
			t.Errorf("maxNodes 16 gave %d groups, want several", cands.NumGroups())
		}
		s, err := NewScorer(m, cands, ScoreFull)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Score(backend, ctx, prompts, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := bruteForceScores(t, m, cands, prompts)
		worst := 0.0
		for i := range want {
			for c := range want[i] {
				worst = max(worst, math.Abs(float64(got[i][c])-want[i][c]))
			}
		}
		t.Logf("max |tree score - per-candidate forward| = %.3g", worst)
		if worst > 1e-4 {
			t.Errorf("tree scores differ from brute force by %g", worst)
		}
	}
}

func TestScoreFirstToken(t *testing.T) {
	m, ctx := loadFixture(t, "llama", nil)
	backend := newBackend(t)
	prompts := fixturePrompts(t, m)
	names := []string{"Office", "Home", "Gym", "Bar", "Music"}
	cands, err := NewCandidates(m.Tokenizer, names, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScorer(m, cands, ScoreAuto)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != ScoreFirstToken {
		t.Fatalf("auto mode with distinct first tokens %v resolved to %s", cands.FirstTokens(), s.Mode)
	}
	got, err := s.Score(backend, ctx, prompts, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range prompts {
		logits := runForward(t, backend, m, ctx, [][]int{p})[0]
		last := logits[len(logits)-1]
		for c, tok := range cands.FirstTokens() {
			if d := math.Abs(float64(got[i][c] - last[tok])); d > 1e-4 {
				t.Errorf("prompt %d candidate %q: first-token score %g, logit %g", i, names[c], got[i][c], last[tok])
			}
		}
	}
	shared, err := NewCandidates(m.Tokenizer, fixtureNames, " ", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if shared.DistinctFirstTokens() {
		t.Fatalf("fixture names %v should share first tokens", fixtureNames)
	}
	if _, err := NewScorer(m, shared, ScoreFirstToken); err == nil {
		t.Error("first-token mode accepted candidates with shared first tokens")
	}
	if s, _ := NewScorer(m, shared, ScoreAuto); s.Mode != ScoreFull {
		t.Errorf("auto mode with shared first tokens resolved to %s", s.Mode)
	}
}
