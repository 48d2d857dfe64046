// Command realsize measures the hf backbone on a real-size checkpoint (e.g. one written by
// reference/hf/randckpt) on the nyc data set: load time, forward tokens/s, scoring time per
// sample of all nyc behaviors, one LoRA training step, and peak resident memory after each phase.
//
//	go run ./reference/hf/realsize -dir /tmp/qwen05 -samples 2
//
// The numbers are published in bench/README.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/experiments"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/hf"
	"github.com/behaviorlm/harness/internal/hf/safetensors"
	"github.com/behaviorlm/harness/internal/train"
)

func main() {
	dir := flag.String("dir", "", "checkpoint folder (required)")
	backendSpec := flag.String("backend", "go", "GoMLX backend (engine.New spec)")
	samples := flag.Int("samples", 2, "nyc test samples to score after one warm-up sample (0 = no scoring)")
	fwdTokens := flag.Int("forward-tokens", 128, "tokens of the forward-pass measurement (batch 1)")
	steps := flag.Int("lora-steps", 1, "LoRA training steps to time (0 = skip), batch -lora-batch")
	loraBatch := flag.Int("lora-batch", 2, "batch size of the LoRA step")
	maxPrompt := flag.Int("max-prompt-tokens", 256, "hf max_prompt_tokens")
	logits := flag.String("check-logits", "", "compare the logits with this file of reference/hf/realsize_logits.py (max |diff| / max |logit| <= 1e-3 per prompt), then stop")
	flag.Parse()
	var err error
	if *logits != "" {
		err = checkLogits(*dir, *backendSpec, *logits)
	} else {
		err = run(*dir, *backendSpec, *samples, *fwdTokens, *steps, *loraBatch, *maxPrompt)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "realsize:", err)
		os.Exit(1)
	}
}

// memory returns the process's current and peak resident set size in MB (Linux /proc).
func memory() (rss, peak float64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(line, "VmRSS: %f kB", &kb); err == nil {
			rss = kb / 1024
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %f kB", &kb); err == nil {
			peak = kb / 1024
		}
	}
	return rss, peak
}

func report(phase string, d time.Duration, extra string) {
	rss, peak := memory()
	fmt.Printf("%-22s %8.2fs  rss %6.0f MB  peak %6.0f MB  %s\n", phase, d.Seconds(), rss, peak, extra)
}

func run(dir, backendSpec string, samples, fwdTokens, steps, loraBatch, maxPrompt int) error {
	if dir == "" {
		return fmt.Errorf("-dir is required")
	}
	backend, err := engine.New(backendSpec)
	if err != nil {
		return err
	}
	fmt.Printf("backend %s, GOMAXPROCS %d\n", engine.Describe(backend), runtime.GOMAXPROCS(0))
	log, err := datasets.Load(datasets.Spec{Loader: "nyc"})
	if err != nil {
		return err
	}
	task, err := datasets.BuildTask(log, datasets.DefaultSampleConfig(), 5, 1)
	if err != nil {
		return err
	}

	start := time.Now()
	p := experiments.DefaultHFBackbone().Params
	p.Path = dir
	p.MaxPromptTokens = maxPrompt
	m, err := hf.Open(p, 1)
	if err != nil {
		return err
	}
	m.Backend = backend // as the hf backbone does: weights read straight into backend buffers
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	if err := m.Init(ctx); err != nil {
		return err
	}
	report("load+init", time.Since(start), fmt.Sprintf("%s, %d parameters (float32 in memory: %.0f MB)",
		m.Config.ModelType, m.NumParameters(), float64(m.NumParameters())*4/1e6))

	cands, err := hf.NewCandidates(m.Tokenizer, task.Behaviors, p.NamePrefix, p.NameSuffix, p.MaxTrieNodes)
	if err != nil {
		return err
	}
	scorer, err := hf.NewScorer(m, cands, p.Score)
	if err != nil {
		return err
	}
	fmt.Printf("%d behaviors scored by %s: %d trie nodes in %d groups\n", len(task.Behaviors), scorer.Mode, cands.NumNodes(), cands.NumGroups())

	if err := timeForward(backend, m, ctx, fwdTokens); err != nil {
		return err
	}

	if samples > 0 {
		if err := timeScoring(backend, m, ctx, scorer, task, p, samples); err != nil {
			return err
		}
	}
	if steps > 0 {
		if err := timeLoRA(backend, m, ctx, scorer, task, p, steps, loraBatch); err != nil {
			return err
		}
	}
	return nil
}

// timeScoring scores one nyc test sample (compiling), then samples+1 of them.
func timeScoring(backend backends.Backend, m *hf.Model, ctx *context.Context, scorer *hf.Scorer, task *datasets.Task, p hf.Params, samples int) error {
	prompts := make([][]int, 0, samples+1)
	for _, s := range task.Test[:min(samples+1, len(task.Test))] {
		ids, err := m.Tokenizer.Encode(experiments.RenderHFPrompt(task.Behaviors, s.History, s.Next), p.AddSpecialTokens)
		if err != nil {
			return err
		}
		prompts = append(prompts, ids)
	}
	start := time.Now()
	if _, err := scorer.Score(backend, ctx, prompts[:1], 1); err != nil {
		return err
	}
	first := time.Since(start)
	report("score 1 (compile+run)", first, fmt.Sprintf("prompt %d tokens", len(prompts[0])))
	start = time.Now()
	if _, err := scorer.Score(backend, ctx, prompts, 1); err != nil {
		return err
	}
	all := time.Since(start)
	per := (all - first) / time.Duration(len(prompts)-1)
	report(fmt.Sprintf("score %d", len(prompts)), all, fmt.Sprintf("%.2f s/sample after compiling (%d behaviors)", per.Seconds(), len(task.Behaviors)))
	return nil
}

// checkLogits compares Go's logits of the prompts stored in the reference file with PyTorch's.
func checkLogits(dir, backendSpec, path string) error {
	backend, err := engine.New(backendSpec)
	if err != nil {
		return err
	}
	m, err := hf.Load(dir)
	if err != nil {
		return err
	}
	m.Backend = backend
	ctx := context.New()
	if err := m.Init(ctx); err != nil {
		return err
	}
	ref, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tok, msk *graph.Node) *graph.Node {
		return m.Forward(ctx, tok, msk, false)
	})
	if err != nil {
		return err
	}
	defer exec.Finalize()
	worst := 0.0
	for _, name := range ref.Names() {
		var ids []int
		if err := json.Unmarshal([]byte(ref.Metadata[name]), &ids); err != nil {
			return fmt.Errorf("%s: metadata %s: %w", path, name, err)
		}
		want, err := ref.ReadFloat32(name)
		if err != nil {
			return err
		}
		tokens, mask := hf.LeftPad([][]int{ids}, 0)
		out, err := exec.Exec(tokens, mask)
		if err != nil {
			return err
		}
		got := out[0].Value().([][][]float32)[0]
		out[0].FinalizeAll()
		v := m.Config.VocabSize
		maxDiff, maxRef := 0.0, 0.0
		for t := range got {
			for j, g := range got[t] {
				r := float64(want[t*v+j])
				maxDiff = max(maxDiff, math.Abs(float64(g)-r))
				maxRef = max(maxRef, math.Abs(r))
			}
		}
		rel := maxDiff / maxRef
		worst = max(worst, rel)
		fmt.Printf("%s: %d tokens x %d logits: max |go - torch| %.3g, max |logit| %.3g, relative %.3g\n", name, len(ids), v, maxDiff, maxRef, rel)
	}
	if worst > 1e-3 {
		return fmt.Errorf("logits differ from PyTorch's by %.3g relative (> 1e-3)", worst)
	}
	fmt.Printf("logits match PyTorch within %.3g relative (<= 1e-3)\n", worst)
	return nil
}

// timeForward runs Forward on one sequence of n tokens twice (the first compiles).
func timeForward(backend backends.Backend, m *hf.Model, ctx *context.Context, n int) error {
	seq := make([]int, n)
	for i := range seq {
		seq[i] = (i*7919 + 11) % m.Tokenizer.VocabSize()
	}
	tokens, mask := hf.LeftPad([][]int{seq}, 0)
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tok, msk *graph.Node) *graph.Node {
		return m.Forward(ctx, tok, msk, false)
	})
	if err != nil {
		return err
	}
	defer exec.Finalize()
	for i, phase := range []string{"forward (compile+run)", "forward"} {
		start := time.Now()
		out, err := exec.Exec(tokens, mask)
		if err != nil {
			return err
		}
		out[0].FinalizeAll()
		d := time.Since(start)
		extra := ""
		if i == 1 {
			extra = fmt.Sprintf("%.1f tokens/s (batch 1 x %d tokens, logits over the whole vocabulary)", float64(n)/d.Seconds(), n)
		}
		report(phase, d, extra)
	}
	return nil
}

// timeLoRA trains the LoRA adapters for steps steps on nyc training samples, as the runner's
// fine-tuning does (train.Fit on the scorer's model function).
func timeLoRA(backend backends.Backend, m *hf.Model, ctx *context.Context, scorer *hf.Scorer, task *datasets.Task, p hf.Params, steps, batch int) error {
	n := steps * batch
	samples := task.Train[:n]
	texts := make([]string, n)
	labels := make([]int32, n)
	for i, s := range samples {
		texts[i] = experiments.RenderHFPrompt(task.Behaviors, s.History, s.Next)
		labels[i] = s.Target
	}
	length := p.MaxPromptTokens
	tokens, mask, err := m.EncodePrompts(texts, length, p.AddSpecialTokens)
	if err != nil {
		return err
	}
	in := train.Inputs{N: n, Arrays: []train.Array{{Shape: []int{length}, Data: tokens}, {Shape: []int{length}, Data: mask}}}
	for _, k := range []int{1, steps} {
		start := time.Now()
		res, err := train.Fit(backend, ctx, scorer.ModelFn(), task.NumClasses(), in, labels, train.Inputs{}, nil,
			train.Config{MaxSteps: k, BatchSize: batch, LR: 1e-4, Schedule: train.ScheduleConstant, Seed: 1, Trainable: m.Trainable()})
		if err != nil {
			return err
		}
		report(fmt.Sprintf("LoRA %d step(s)", res.Steps), time.Since(start), fmt.Sprintf("batch %d x %d tokens, loss %.3f (includes compiling)", batch, length, res.FinalTrainLoss))
		if steps == 1 {
			break
		}
	}
	return nil
}
