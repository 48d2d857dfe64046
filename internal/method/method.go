// Package method defines what every compared method (BehaviorLM, the LM baselines and the classic
// sequential models) implements, so that the runner can train, score and record them alike.
//
// A method gets one experiment cell's [datasets.Task] and returns a score for every behavior for
// every test sample; the runner, not the method, computes the metrics (internal/metrics), so every
// method is evaluated by the same code on the full ranking of all behaviors.
package method

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/backends"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/results"
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
	// Logf prints a progress line (cell, stage, epoch, loss, ETA). Never nil when set by the runner;
	// methods call Env.Log, which also works without it (in tests).
	Logf func(format string, args ...any)
	// ArtifactDir is where a method may write this cell's artefacts (e.g. a fine-tuned adapter),
	// next to the cell's result file; empty for none.
	ArtifactDir string
	// ReuseArtifacts asks the method to load the artefacts in ArtifactDir, where present, instead
	// of computing them (the runner's -repeat: score a saved adapter without training).
	ReuseArtifacts bool
}

// Log prints a progress line through Logf; it does nothing when Logf is nil.
func (e Env) Log(format string, args ...any) {
	if e.Logf != nil {
		e.Logf(format, args...)
	}
}

// Err returns the error of Ctx (nil while the run may go on, and when Ctx is nil).
func (e Env) Err() error {
	if e.Ctx == nil {
		return nil
	}
	return e.Ctx.Err()
}

// Stage records one timed part of a method's run (e.g. "pretrain", "stage1", "stage2"). It is the
// record the result file stores (results.Stage): one definition for both.
type Stage = results.Stage

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

// Factory builds a method of one kind from YAML parameters. Make one with Kind.
//
// The runner calls Params to get a pointer to a struct filled with the kind's defaults, decodes
// the method's YAML entry into it strictly (unknown keys are errors), then calls New with it and
// with the decoded backbones section (backbone name -> value returned by a BackboneFactory).
type Factory struct {
	Params func() any
	New    func(params any, backbones map[string]any) (Method, error)
}

// Params is implemented by the parameter struct (a pointer to it) of every method kind.
type Params interface {
	// Build validates the parameters (errors name the YAML key) and returns the method. backbones
	// is the decoded backbones section; a kind that uses a backbone also implements
	// BackboneUser.
	Build(backbones map[string]any) (Method, error)
}

// BackboneUser is implemented by the parameter structs of the methods that use backbones: it
// names the backbones the parameters refer to, so that the runner records (and hashes) exactly
// those backbones with the method's configuration.
type BackboneUser interface {
	BackboneNames() []string
}

// Kind returns the Factory of the method kind whose parameter struct is P: defaults returns a
// fresh P with the kind's defaults, and P.Build makes the method. Adding a method kind is its
// parameter struct, its Run, and one line Kind(DefaultXParams) in a Factories map.
func Kind[P Params](defaults func() P) Factory {
	return Factory{
		Params: func() any { return defaults() },
		New: func(params any, backbones map[string]any) (Method, error) {
			p, ok := params.(P)
			if !ok {
				var want P
				return nil, fmt.Errorf("parameters of type %T, want %T", params, want)
			}
			return p.Build(backbones)
		},
	}
}

// BackboneFactory makes the default parameters of one backbone kind (see Factory).
type BackboneFactory struct {
	Params func() any
}
