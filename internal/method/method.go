// Package method defines what every compared method (BehaviorLM, the LM baselines and the classic
// sequential models) implements, so that the runner can train, score and record them alike.
//
// A method gets one experiment cell's [datasets.Task] and returns a score for every behavior for
// every test sample; the runner, not the method, computes the metrics (internal/metrics), so every
// method is evaluated by the same code on the full ranking of all behaviors.
package method

import (
	"context"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/behaviorlm/harness/datasets"
)

// Env is what the runner hands a method for one cell.
type Env struct {
	// Ctx is cancelled when the user interrupts the run (SIGINT); long loops should check it.
	Ctx context.Context
	// Backend is the GoMLX backend to compute on (created by internal/engine).
	Backend backends.Backend
	// Seed drives parameter initialisation, shuffling and sampling of this cell.
	Seed uint64
	// CacheDir is where a method may cache expensive, reusable artefacts (e.g. a pretrained LM),
	// keyed by everything that determines them.
	CacheDir string
	// Logf prints a progress line (cell, stage, epoch, loss, ETA). Never nil when set by the runner.
	Logf func(format string, args ...any)
	// ArtifactDir is where a method may write this cell's artefacts (e.g. a fine-tuned adapter),
	// next to the cell's result file; empty for none.
	ArtifactDir string
	// ReuseArtifacts asks the method to load the artefacts in ArtifactDir, where present, instead
	// of computing them (the runner's -repeat: score a saved adapter without training).
	ReuseArtifacts bool
}

// Stage records one timed part of a method's run (e.g. "pretrain", "stage1", "stage2").
type Stage struct {
	Name    string        `json:"name"`
	Seconds float64       `json:"seconds"`
	Steps   int           `json:"steps,omitempty"`
	Loss    float64       `json:"final_loss,omitempty"`
	Cached  bool          `json:"cached,omitempty"`
	Elapsed time.Duration `json:"-"`
}

// Output is a method's result on one cell.
type Output struct {
	// TestScores holds, for each task.Test sample in order, a score per class (higher = more
	// likely). Any monotone score works: logits, log-probabilities or counts.
	TestScores [][]float32
	// Stages are the timed parts of the run, in order.
	Stages []Stage
	// Info carries method-specific numbers worth recording (e.g. stage-2 subset size).
	Info map[string]float64
}

// Method is one compared method, configured by its parameters.
type Method interface {
	Run(env Env, task *datasets.Task) (*Output, error)
}

// Factory builds a method of one kind from YAML parameters.
//
// The runner calls Params to get a pointer to a struct filled with the kind's defaults, decodes
// the method's YAML entry into it strictly (unknown keys are errors), then calls New with it and
// with the decoded backbones section (backbone name -> value returned by a BackboneFactory).
type Factory struct {
	Params func() any
	New    func(params any, backbones map[string]any) (Method, error)
}

// BackboneFactory makes the default parameters of one backbone kind (see Factory).
type BackboneFactory struct {
	Params func() any
}
