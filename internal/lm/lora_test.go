package lm

import (
	"reflect"
	"testing"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/train"
)

// runTiny pretrains a tiny model, fine-tunes it briefly and returns its test scores and context
// weights.
func runTiny(t *testing.T, task *datasets.Task, seed uint64, lora LoRA) ([][]float32, *Weights, *Weights) {
	t.Helper()
	env := testEnv(t, seed)
	env.Logf = nil
	opts := tinyOptions()
	opts.LoRA = lora
	m, ctx, _, err := Build(env, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	before, err := ModelWeights(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{MaxSteps: 4, BatchSize: 16, LR: 1e-2, Seed: seed, Trainable: m.Trainable()}
	if _, err := train.Fit(env.Backend, ctx, m.Classifier(), m.NumBehaviors(), m.Inputs(task.Train), datasets.Targets(task.Train),
		m.Inputs(task.Valid), datasets.Targets(task.Valid), cfg); err != nil {
		t.Fatal(err)
	}
	after, err := ModelWeights(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := train.Predict(env.Backend, ctx, m.Classifier(), m.Inputs(task.Test), 32)
	if err != nil {
		t.Fatal(err)
	}
	return scores, before, after
}

func TestDeterministic(t *testing.T) {
	task := syntheticTask(t, 8, 30, 12)
	s1, _, _ := runTiny(t, task, 3, LoRA{})
	s2, _, _ := runTiny(t, task, 3, LoRA{})
	if !reflect.DeepEqual(s1, s2) {
		t.Error("same seed, different scores")
	}
	s3, _, _ := runTiny(t, task, 4, LoRA{})
	if reflect.DeepEqual(s1, s3) {
		t.Error("different seeds, identical scores")
	}
}

func TestLoRATrainsOnlyAdapters(t *testing.T) {
	task := syntheticTask(t, 8, 30, 12)
	full, fb, fa := runTiny(t, task, 5, LoRA{})
	if reflect.DeepEqual(fb, fa) {
		t.Fatal("full fine-tuning changed no weight")
	}
	lora, lb, la := runTiny(t, task, 5, LoRA{Rank: 2, Alpha: 4})
	if !reflect.DeepEqual(lb, la) {
		t.Error("LoRA fine-tuning changed base weights")
	}
	if !reflect.DeepEqual(fb, lb) {
		t.Error("LoRA model started from different pretrained weights")
	}
	if reflect.DeepEqual(full, lora) {
		t.Error("LoRA and full fine-tuning gave identical scores")
	}
	// Without training, LoRA (B = 0) scores exactly like the base model.
	env := testEnv(t, 5)
	env.Logf = nil
	opts := tinyOptions()
	m0, ctx0, _, err := Build(env, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.LoRA = LoRA{Rank: 2, Alpha: 4}
	m1, ctx1, _, err := Build(env, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	p0, err := train.Predict(env.Backend, ctx0, m0.Classifier(), m0.Inputs(task.Test), 32)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := train.Predict(env.Backend, ctx1, m1.Classifier(), m1.Inputs(task.Test), 32)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p0, p1) {
		t.Error("untrained LoRA changed the scores")
	}
	if m1.Trainable()("/lm/block_0/attention/query/weights") || !m1.Trainable()("/lm/block_0/ffn2/lora_b") {
		t.Error("Trainable does not select exactly the adapters")
	}
}
