package lm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
)

func TestNameWords(t *testing.T) {
	for name, want := range map[string]string{
		"Chinese Restaurant": "Chinese|Restaurant",
		"Food & Drink Shop":  "Food|Drink|Shop",
		"Café/Bakery":        "Café|Bakery",
		"1042":               "1042",
		"&":                  "&",
	} {
		if got := strings.Join(NameWords(name), "|"); got != want {
			t.Errorf("NameWords(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestWordTokenizer(t *testing.T) {
	tok, err := NewWordTokenizer([]string{"Chinese Restaurant", "Ethiopian Restaurant", "Bar", "Restaurant Chinese"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.NumWords() != 5 { // Chinese, Restaurant, Ethiopian, Bar, #3
		t.Fatalf("%d words", tok.NumWords())
	}
	words := func(c int32) string {
		var s []string
		for _, w := range tok.NameWordIDs(c) {
			s = append(s, tok.Word(w))
		}
		return strings.Join(s, " ")
	}
	for c, want := range []string{"Chinese Restaurant", "Ethiopian Restaurant", "Bar", "Restaurant Chinese #3"} {
		if got := words(int32(c)); got != want {
			t.Errorf("behavior %d: words %q, want %q", c, got, want)
		}
	}
	plain, _ := NewTokenizer([]string{"a b"})
	if plain.WordNames() || plain.NameWordIDs(0) != nil {
		t.Error("NewTokenizer has word names")
	}
}

// TestWordNameScores sets the word embeddings by hand and checks the model's behavior scores
// against the sum of the name words' log-probabilities computed here, and the behaviors' input
// embeddings against the mean of their words' embeddings.
func TestWordNameScores(t *testing.T) {
	tok, err := NewWordTokenizer([]string{"Chinese Restaurant", "Ethiopian Restaurant", "Bar"})
	if err != nil {
		t.Fatal(err)
	}
	rend, _ := NewRenderer(tok, 2, false)
	m, err := NewModel(Config{Dim: 2, Layers: 1, Heads: 1, FFNDim: 2, WordNames: true}, rend, LoRA{})
	if err != nil {
		t.Fatal(err)
	}
	base := tok.TimeAndTemplateTokens()
	emb := make([][]float32, base+tok.NumWords())
	for i := range emb {
		emb[i] = []float32{0, 0}
	}
	// Words: Chinese (1,0), Restaurant (0,1), Ethiopian (1,1), Bar (0,0).
	emb[base+0], emb[base+1], emb[base+2] = []float32{1, 0}, []float32{0, 1}, []float32{1, 1}
	ctx := context.New()
	ctx.In(Scope).In("tokens").VariableWithValue("embeddings", tensors.FromValue(emb))
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, h *Node) (*Node, *Node) {
		ctx = ctx.Checked(false)
		return m.behaviorLogits(ctx, h), m.inputTable(ctx.In(Scope), h.Graph())
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec(tensors.FromValue([][]float32{{2, 1}}))
	if err != nil {
		t.Fatal(err)
	}
	scores := outs[0].Value().([][]float32)[0]
	// Word logits h·e = 2, 1, 3, 0 (bias 0); log-probabilities are logit - log(e²+e¹+e³+e⁰).
	lse := math.Log(math.Exp(2) + math.Exp(1) + math.Exp(3) + 1)
	want := []float64{(2 - lse) + (1 - lse), (3 - lse) + (1 - lse), 0 - lse}
	for c := range want {
		if math.Abs(float64(scores[c])-want[c]) > 1e-5 {
			t.Errorf("score of %q = %.6f, want %.6f", tok.Token(tok.BehaviorID(int32(c))), scores[c], want[c])
		}
	}
	in := outs[1].Value().([][]float32)
	for c, w := range [][]float32{{0.5, 0.5}, {0.5, 1}, {0, 0}} {
		row := in[tok.BehaviorID(int32(c))]
		if math.Abs(float64(row[0]-w[0])) > 1e-6 || math.Abs(float64(row[1]-w[1])) > 1e-6 {
			t.Errorf("input embedding of behavior %d = %v, want the mean of its words %v", c, row, w)
		}
	}
}

// TestWordNamesTrainAndBeatPop pretrains and fine-tunes an LM with word names on synthetic data
// whose behaviors have two-word names (a group word shared by several behaviors and a word of
// their own): the pretraining loss falls and the tuned model beats the most-popular baseline.
func TestWordNamesTrainAndBeatPop(t *testing.T) {
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: 30, EventsPerUser: 80, Behaviors: 30, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range log.Users {
		for j, e := range u.Events {
			var b int
			fmt.Sscanf(e.Behavior, "b%d", &b)
			u.Events[j].Behavior = fmt.Sprintf("Group%d Kind%02d", b%4, b)
		}
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.HistoryLen = 8
	task, err := datasets.BuildTask(log, cfg, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, 1)
	mcfg := Config{Dim: 32, Layers: 1, Heads: 2, FFNDim: 64, Dropout: 0, WordNames: true}
	pcfg := PretrainConfig{Epochs: 20, BatchSize: 32, LR: 5e-3, WarmupSteps: 5, GradClip: 1}
	m, ctx, res, err := Build(env, task, Options{Model: mcfg, Pretrain: pcfg, Pretrained: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Renderer().Tokenizer().NumWords() != 34 {
		t.Fatalf("%d words, want 4 groups + 30 kinds", m.Renderer().Tokenizer().NumWords())
	}
	if !(res.FinalLoss < res.FirstLoss-0.3) {
		t.Errorf("pretraining loss did not fall: first %.3f, final %.3f", res.FirstLoss, res.FinalLoss)
	}
	_, acc, pop := finetuneAndScore(t, env, task, m, ctx)
	t.Logf("pretrain loss %.3f -> %.3f; test accuracy %.3f, pop %.3f", res.FirstLoss, res.FinalLoss, acc, pop)
	if acc <= pop+0.05 {
		t.Errorf("test accuracy %.3f does not beat pop %.3f", acc, pop)
	}
}

// TestPretrainSourceKnowledgeOnly is the canary of the knowledge design at the point pretraining
// reads its data: a behavior that only task users do is absent from SourceOf's streams under the
// default config, and present with task_streams (the same-users design).
func TestPretrainSourceKnowledgeOnly(t *testing.T) {
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: 30, EventsPerUser: 30, Behaviors: 15, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.KnowledgeUsers, cfg.KnowledgeSeed = 0.5, 4
	know := datasets.KnowledgeSplit(len(log.Users), cfg.KnowledgeUsers, cfg.KnowledgeSeed)
	for ui, u := range log.Users {
		if !know[ui] {
			u.Events[len(u.Events)/2].Behavior = "canary"
		}
	}
	task, err := datasets.BuildTask(log, cfg, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	canary := int32(slices.Index(task.Behaviors, "canary"))
	has := func(src Source) bool {
		for _, st := range src.Streams {
			for _, e := range st {
				if e.Behavior == canary {
					return true
				}
			}
		}
		return false
	}
	if has(SourceOf(task, DefaultPretrainConfig())) {
		t.Error("a task user's event reached the pretraining source")
	}
	if !has(SourceOf(task, PretrainConfig{TaskStreams: true})) {
		t.Error("task_streams does not pretrain on the task users")
	}
	kshot := SourceOf(task, PretrainConfig{RespectTailShots: true})
	if !has(kshot) || kshot.Kept == nil {
		t.Error("respect_tail_shots does not pretrain on the task users' streams with the removed targets masked")
	}
}

// TestHoldout checks that pretrain.holdout sets aside the same streams for every seed, never
// trains on them, and scores the pretrained model on them better than chance.
func TestHoldout(t *testing.T) {
	task := syntheticTask(t, 30, 80, 30)
	cfg := PretrainConfig{Holdout: 0.2}
	src := SourceOf(task, cfg)
	if len(src.HeldOut) != 6 || len(src.Streams) != len(task.Streams)-6 {
		t.Fatalf("%d held out, %d trained, of %d", len(src.HeldOut), len(src.Streams), len(task.Streams))
	}
	for _, h := range src.HeldOut {
		for _, st := range src.Streams {
			if &h[0] == &st[0] {
				t.Fatal("a held-out stream is also trained on")
			}
		}
	}
	if SourceOf(task, cfg).ContentHash() == SourceOf(task, PretrainConfig{}).ContentHash() {
		t.Error("holdout does not change the content hash")
	}
	env := testEnv(t, 2)
	pcfg := PretrainConfig{Epochs: 10, BatchSize: 32, LR: 5e-3, WarmupSteps: 5, GradClip: 1, Holdout: 0.2}
	_, _, res, err := Build(env, task, Options{Model: Config{Dim: 32, Layers: 1, Heads: 2, FFNDim: 64}, Pretrain: pcfg, Pretrained: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.HeldOut == nil || res.HeldOut.Events == 0 {
		t.Fatalf("no held-out score: %+v", res)
	}
	chance := math.Log(float64(task.NumClasses()))
	t.Logf("held out: %+v (chance loss %.3f)", *res.HeldOut, chance)
	if !(res.HeldOut.Loss < chance-0.3) || !(res.HeldOut.Acc > 1.5/float64(task.NumClasses())) {
		t.Errorf("held-out score %+v is no better than chance (loss %.3f)", *res.HeldOut, chance)
	}
}
