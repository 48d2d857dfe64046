package baselines

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
)

// tinyTask returns n samples over c classes with distinct random histories (t/2..t steps) and
// random targets; Test is the training set itself, so accuracy on Test measures memorisation.
func tinyTask(n, c, t int, seed uint64) *datasets.Task {
	rng := rand.New(rand.NewPCG(seed, 1))
	task := &datasets.Task{Dataset: "tiny", Config: datasets.DefaultSampleConfig()}
	task.Config.HistoryLen = t
	for i := 0; i < c; i++ {
		task.Behaviors = append(task.Behaviors, string(rune('a'+i)))
		task.Anchor = append(task.Anchor, i%2 == 0)
	}
	seen := map[string]bool{}
	for len(task.Train) < n {
		h := make([]datasets.Step, t/2+rng.IntN(t-t/2+1))
		key := ""
		for j := range h {
			h[j] = datasets.Step{Behavior: int32(rng.IntN(c)), Weekday: uint8(rng.IntN(7)), Hour: uint8(rng.IntN(24))}
			key += string(rune('a' + h[j].Behavior))
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		target := int32(rng.IntN(c))
		task.Train = append(task.Train, datasets.Sample{History: h, Target: target,
			Next: datasets.Step{Behavior: target, Weekday: uint8(rng.IntN(7)), Hour: uint8(rng.IntN(24))}})
	}
	task.Test = task.Train
	return task
}

func accuracy(scores [][]float32, samples []datasets.Sample) float64 {
	right := 0
	for i, row := range scores {
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		if int32(best) == samples[i].Target {
			right++
		}
	}
	return float64(right) / float64(len(samples))
}

// overfitParams are training options that let a small model memorise 64 samples quickly.
func overfitParams(tp *TrainParams) {
	tp.Epochs = 100
	tp.BatchSize = 64
	tp.LR = 1e-2
	tp.GradClip = 0
	tp.Patience = 0
}

func newEnv(t testing.TB) method.Env {
	t.Helper()
	b, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	return method.Env{Backend: b, Seed: 3}
}

func TestNeuralModelsOverfitTinySet(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three models")
	}
	env := newEnv(t)
	task := tinyTask(64, 8, 6, 1)
	gru := DefaultGRU4RecParams()
	gru.Dim, gru.Hidden, gru.Dropout = 32, 32, 0
	overfitParams(&gru.TrainParams)
	sas := DefaultSASRecParams()
	sas.Dim, sas.FFNDim, sas.Dropout = 32, 32, 0
	overfitParams(&sas.TrainParams)
	bert := DefaultBERT4RecParams()
	bert.Dim, bert.FFNDim, bert.Dropout = 32, 64, 0
	overfitParams(&bert.TrainParams)
	for _, tc := range []struct {
		name string
		m    method.Method
	}{
		{"gru4rec", &GRU4Rec{Params: *gru}},
		{"sasrec", &SASRec{Params: *sas}},
		{"bert4rec", &BERT4Rec{Params: *bert}},
	} {
		out, err := tc.m.Run(env, task)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if acc := accuracy(out.TestScores, task.Test); acc < 0.95 {
			t.Errorf("%s: training accuracy %.3f after %d steps, want >= 0.95", tc.name, acc, out.Stages[0].Steps)
		} else {
			t.Logf("%s: training accuracy %.3f in %.1fs", tc.name, acc, out.Stages[0].Seconds)
		}
	}
}

// With time context the models see the predicted event's time: on a task whose target is a
// function of the next event's hour alone (every history is the same), they must learn it.
func TestTimeContextUsesNextEventTime(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three models")
	}
	env := newEnv(t)
	task := tinyTask(64, 4, 4, 6)
	hist := task.Train[0].History
	for i := range task.Train {
		s := &task.Train[i]
		s.History = hist
		s.Next.Hour = uint8(i % 24)
		s.Next.Weekday = uint8(i % 7)
		s.Target = int32(s.Next.Hour % 4)
	}
	task.Test = task.Train
	gru := DefaultGRU4RecParams()
	gru.Dim, gru.Hidden, gru.Dropout, gru.TimeContext = 16, 16, 0, true
	overfitParams(&gru.TrainParams)
	sas := DefaultSASRecParams()
	sas.Dim, sas.FFNDim, sas.Dropout, sas.TimeContext = 16, 16, 0, true
	overfitParams(&sas.TrainParams)
	bert := DefaultBERT4RecParams()
	bert.Dim, bert.FFNDim, bert.Dropout, bert.TimeContext, bert.ClozeCopies = 16, 32, 0, true, 0
	overfitParams(&bert.TrainParams)
	for _, m := range []method.Method{&GRU4Rec{Params: *gru}, &SASRec{Params: *sas}, &BERT4Rec{Params: *bert}} {
		out, err := m.Run(env, task)
		if err != nil {
			t.Fatal(err)
		}
		if acc := accuracy(out.TestScores, task.Test); acc < 0.95 {
			t.Errorf("%T: accuracy %.3f on an hour-determined target, want >= 0.95", m, acc)
		}
	}
}

// Model selection: the parameters kept are those of the selected evaluation, so the accuracy of
// the returned scores on the validation samples equals the selected evaluation's accuracy, and
// selecting by accuracy never keeps a less accurate evaluation than selecting by loss.
func TestModelSelectionRestoresSelectedParameters(t *testing.T) {
	if testing.Short() {
		t.Skip("trains models")
	}
	env := newEnv(t)
	task := tinyTask(64, 8, 6, 7)
	task.Valid = tinyTask(64, 8, 6, 8).Train // unrelated labels: validation accuracy wanders
	task.Test = task.Valid
	accs := map[string]float64{}
	for _, sel := range []string{"acc", "loss"} {
		p := DefaultGRU4RecParams()
		p.Dim, p.Hidden, p.Dropout = 16, 16, 0
		p.MaxSteps, p.BatchSize, p.EvalEvery, p.Patience, p.LR = 60, 16, 5, 0, 1e-2
		p.Select = sel
		out, err := (&GRU4Rec{Params: *p}).Run(env, task)
		if err != nil {
			t.Fatal(err)
		}
		got, want := accuracy(out.TestScores, task.Test), out.Info["selected_acc"]
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("select %s: returned model has validation accuracy %.4f, selected evaluation (step %v) had %.4f",
				sel, got, out.Info["selected_step"], want)
		}
		t.Logf("select %s: step %v acc %.4f", sel, out.Info["selected_step"], want)
		accs[sel] = want
	}
	if accs["acc"] < accs["loss"] {
		t.Errorf("selection by accuracy kept accuracy %.4f < selection by loss %.4f", accs["acc"], accs["loss"])
	}
}

// TestKnowledgeSamplesControl checks the knowledge_samples control: SASRec trains on the
// knowledge population's samples as well as the task's, and refuses a task without one.
func TestKnowledgeSamplesControl(t *testing.T) {
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: 20, EventsPerUser: 20, Behaviors: 10, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.HistoryLen, cfg.KnowledgeUsers = 5, 0.5
	task, err := datasets.BuildTask(log, cfg, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultSASRecParams()
	p.MaxSteps, p.EvalEvery, p.Dim, p.FFNDim = 2, 1, 8, 8
	p.KnowledgeSamples = true
	m, err := p.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(newEnv(t), task)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.Info["train_samples"], float64(len(task.Train)+len(task.KnowledgeSamples())); got != want {
		t.Errorf("trained on %v samples, want the task's %d plus the knowledge users' %d", got, len(task.Train), len(task.KnowledgeSamples()))
	}
	plain, err := datasets.BuildTask(log, datasets.DefaultSampleConfig(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(newEnv(t), plain); err == nil {
		t.Error("knowledge_samples accepted without a knowledge population")
	}
}
