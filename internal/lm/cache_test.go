package lm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/datasets"
)

// tinyOptions is a model and pretraining small enough for unit tests.
func tinyOptions() Options {
	return Options{
		Model:      Config{Dim: 16, Layers: 1, Heads: 2, FFNDim: 32, Dropout: 0.1},
		Pretrain:   PretrainConfig{Epochs: 1, MaxSteps: 3, BatchSize: 16, LR: 3e-3, GradClip: 1},
		Pretrained: true,
	}
}

func TestCacheHitMissAndCorruption(t *testing.T) {
	task := syntheticTask(t, 8, 30, 12)
	dir := t.TempDir()
	var logs []string
	env := testEnv(t, 7)
	env.CacheDir = dir
	env.Logf = func(f string, a ...any) { logs = append(logs, f) }
	opts := tinyOptions()

	_, ctx1, res1, err := Build(env, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res1.Cached {
		t.Fatal("first Build reported a cache hit")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "behavior-lm", "*.weights"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "behavior-lm", "*.tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
	_, ctx2, res2, err := Build(env, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Cached || res2.Steps != res1.Steps || res2.FinalLoss != res1.FinalLoss {
		t.Errorf("second Build: %+v, want a cache hit of %+v", *res2, *res1)
	}
	w1, err := ModelWeights(ctx1)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := ModelWeights(ctx2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w1, w2) {
		t.Error("cached weights differ from the pretrained ones")
	}

	// A changed configuration pretrains again, into a second file.
	changed := opts
	changed.Pretrain.LR = 1e-3
	if _, _, res, err := Build(env, task, changed); err != nil || res.Cached {
		t.Fatalf("changed config: res %+v, err %v; want a fresh pretraining", res, err)
	}
	files, _ = filepath.Glob(filepath.Join(dir, "behavior-lm", "*.weights"))
	if len(files) != 2 {
		t.Errorf("cache files after a config change: %v, want two", files)
	}

	// A corrupt file is ignored with a log line and recomputed.
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, _ = os.ReadFile(f)
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logs = nil
	_, ctx3, res3, err := Build(env, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res3.Cached {
		t.Error("corrupt cache file was used")
	}
	found := false
	for _, l := range logs {
		found = found || strings.Contains(l, "ignoring unreadable cache file")
	}
	if !found {
		t.Errorf("no log line about the corrupt cache file; logs: %q", logs)
	}
	w3, _ := ModelWeights(ctx3)
	if !reflect.DeepEqual(w1, w3) {
		t.Error("re-pretraining with the same seed gave different weights")
	}
	if _, _, res, _ := Build(env, task, opts); !res.Cached {
		t.Error("the recomputed weights were not cached again")
	}
}

// TestCacheKeyIgnoresTailShots checks that pretraining reads only training-period events and not
// the tail-shot restriction: tasks of different k share a cache key, other seeds or configs don't.
func TestCacheKeyIgnoresTailShots(t *testing.T) {
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: 10, EventsPerUser: 60, Behaviors: 120, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	t5, err := datasets.BuildTask(log, cfg, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	tAll, err := datasets.BuildTask(log, cfg, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(t5.Train) == len(tAll.Train) {
		t.Fatal("test data: k=1 did not restrict the training samples")
	}
	o := tinyOptions()
	k5, kAll := CacheKey(SourceOf(t5, PretrainConfig{}), o.Model, o.Pretrain, 1), CacheKey(SourceOf(tAll, PretrainConfig{}), o.Model, o.Pretrain, 1)
	if k5 != kAll {
		t.Error("cache key depends on the tail-shot k")
	}
	if CacheKey(SourceOf(t5, PretrainConfig{}), o.Model, o.Pretrain, 2) == k5 {
		t.Error("cache key ignores the seed")
	}
	m := o.Model
	m.Dim = 32
	if CacheKey(SourceOf(t5, PretrainConfig{}), m, o.Pretrain, 1) == k5 {
		t.Error("cache key ignores the model config")
	}
	// Respecting the tail shots makes the key depend on k (through the removed targets); at
	// k = all nothing is masked, so the pretraining, and the key, are the unmasked ones.
	rp := o.Pretrain
	rp.RespectTailShots = true
	r5, rAll := CacheKey(SourceOf(t5, PretrainConfig{RespectTailShots: true}), o.Model, rp, 1), CacheKey(SourceOf(tAll, PretrainConfig{RespectTailShots: true}), o.Model, rp, 1)
	if r5 == k5 || r5 == rAll {
		t.Error("with respect_tail_shots the cache key must depend on k")
	}
	if rAll != kAll {
		t.Error("with respect_tail_shots at k = all the cache key should be the unmasked one")
	}
	// The streams hold training-period events only: every stream is a prefix of its user's
	// events that ends at the last training target.
	var trainTargets, streamEvents int
	for _, s := range tAll.Streams {
		streamEvents += len(s) - 1 // every event after a stream's first is a training target
	}
	trainTargets = len(tAll.Train)
	if streamEvents != trainTargets {
		t.Errorf("streams hold %d targets, training has %d samples", streamEvents, trainTargets)
	}
}

func TestPretrainHonoursCancellation(t *testing.T) {
	task := syntheticTask(t, 8, 30, 12)
	env := testEnv(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env.Ctx = ctx
	env.CacheDir = t.TempDir()
	if _, _, _, err := Build(env, task, tinyOptions()); !errors.Is(err, context.Canceled) {
		t.Errorf("Build with a cancelled context: err %v, want context.Canceled", err)
	}
	if files, _ := filepath.Glob(filepath.Join(env.CacheDir, "behavior-lm", "*")); len(files) != 0 {
		t.Errorf("cancelled pretraining left cache files %v", files)
	}
}

// TestRespectTailShotsPretrainsSeparately checks that Build with respect_tail_shots pretrains a
// model of its own (a second cache entry) from the task's k-shot targets, and that the masked
// pretraining starts from a different loss (fewer, different targets).
func TestRespectTailShotsPretrainsSeparately(t *testing.T) {
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: 10, EventsPerUser: 60, Behaviors: 60, Seed: 3, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.HistoryLen = 8
	task, err := datasets.BuildTask(log, cfg, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, k := range task.StreamKept {
		for _, ok := range k {
			if !ok {
				removed++
			}
		}
	}
	if removed == 0 {
		t.Fatal("test data: k = 5 removed no training sample")
	}
	env := testEnv(t, 1)
	env.CacheDir = t.TempDir()
	o := tinyOptions()
	_, _, plain, err := Build(env, task, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Pretrain.RespectTailShots = true
	_, _, masked, err := Build(env, task, o)
	if err != nil {
		t.Fatal(err)
	}
	if masked.Cached {
		t.Error("respect_tail_shots reused the unmasked model's cache entry")
	}
	if masked.FirstLoss == plain.FirstLoss {
		t.Errorf("masked and unmasked pretraining had the same first loss %v", plain.FirstLoss)
	}
	files, _ := filepath.Glob(filepath.Join(env.CacheDir, "behavior-lm", "*.weights"))
	if len(files) != 2 {
		t.Errorf("cache holds %d weight files, want 2: %v", len(files), files)
	}
}
