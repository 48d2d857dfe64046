// Package results stores experiment results: one JSON file per cell, written atomically, guarded by
// a per-cell lock so that several runners can share a results folder, plus a manifest per
// experiment.
//
// Layout under the results folder (the runner's -out):
//
//	<exp>/cells/<dataset>/<method>/k<k>-seed<seed>.json   one Cell per file (k "all" = every shot)
//	<exp>/cells/.../k<k>-seed<seed>.outcomes.csv.gz        its per-test-sample outcomes (sidecar.go)
//	<exp>/cells/.../k<k>-seed<seed>.json.lock              while a runner works on the cell
//	<exp>/manifest.json                                    the planned cells and their state
//	<exp>/report.md, <exp>/*.svg, <exp>/cells.csv          written by package reports
//	cache/                                                 methods' reusable artefacts
package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/metrics"
)

// Cell statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Cell is the record of one experiment cell: (experiment, data set, method variant, k, seed).
type Cell struct {
	Experiment string `json:"experiment"`
	Dataset    string `json:"dataset"`
	// Method is the variant name (e.g. "behaviorlm[per_class=20]"), Kind its method kind.
	Method    string `json:"method"`
	Kind      string `json:"kind"`
	TailShots int    `json:"tail_shots"` // 0 = all
	Seed      uint64 `json:"seed"`
	// Status is StatusOK or StatusFailed; Reason says why a cell failed.
	Status  string          `json:"status"`
	Reason  string          `json:"reason,omitempty"`
	Metrics *metrics.Report `json:"metrics,omitempty"`
	// Outcomes links the per-test-sample sidecar (sidecar.go); absent in older cells. Samples
	// are those outcomes in memory: Write stores them in the sidecar, LoadOutcomes reads them.
	Outcomes *OutcomesRef      `json:"outcomes,omitempty"`
	Samples  *metrics.Outcomes `json:"-"`
	// Config is everything that determines the cell's result; ConfigHash is its SHA-256.
	Config     CellConfig `json:"config"`
	ConfigHash string     `json:"config_hash"`
	// Backend describes the GoMLX backend; Env the code and toolchain.
	Backend string `json:"backend"`
	Env     Env    `json:"env"`
	// TaskFingerprint identifies the exact samples (datasets.Task.Fingerprint); TaskStats
	// summarises the data set and task for the report's statistics table.
	TaskFingerprint string           `json:"task_fingerprint,omitempty"`
	TaskStats       *datasets.Stats  `json:"task_stats,omitempty"`
	Stages          []Stage          `json:"stages,omitempty"`
	Info            map[string]Float `json:"info,omitempty"`
	WallSeconds     float64          `json:"wall_seconds"`
	Start           time.Time        `json:"start"`
	End             time.Time        `json:"end"`
}

// Stage records one timed part of a method's run (e.g. "pretrain", "stage1", "predict"); methods
// return it as method.Stage, the same type.
type Stage struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// Steps counts the stage's optimizer steps (or scored samples); FinalLoss is the mean training
	// loss of its last logging interval.
	Steps     int   `json:"steps,omitempty"`
	FinalLoss Float `json:"final_loss,omitempty"`
	// Cached reports that the stage's result came from the cache (its Seconds are the original
	// run's).
	Cached bool `json:"cached,omitempty"`
	// Curve is a training stage's validation curve, one point per evaluation (train.RunStage).
	Curve []CurvePoint `json:"curve,omitempty"`
}

// CurvePoint is one evaluation of a training stage.
type CurvePoint struct {
	Step int `json:"step"`
	// TrainLoss is the mean training loss since the previous point.
	TrainLoss Float `json:"train_loss"`
	// ValidLoss and ValidAcc are the validation cross-entropy and accuracy (absent without a
	// validation set).
	ValidLoss Float `json:"valid_loss,omitempty"`
	ValidAcc  Float `json:"valid_acc,omitempty"`
}

// CellConfig is what determines a cell's result. Code version and backend are recorded in the
// cell but not hashed, so a new commit does not invalidate finished cells.
type CellConfig struct {
	// Method is the methods: entry the variant came from; Params its effective parameters.
	Method string `json:"method"`
	Kind   string `json:"kind"`
	Params any    `json:"params"`
	// Backbones holds the effective parameters of the backbones the method's parameters name.
	Backbones map[string]BackboneConfig `json:"backbones,omitempty"`
	Data      datasets.SampleConfig     `json:"data"`
	Dataset   datasets.Spec             `json:"dataset"`
	TailShots int                       `json:"tail_shots"`
	Seed      uint64                    `json:"seed"`
}

// BackboneConfig is one backbone's kind and effective parameters.
type BackboneConfig struct {
	Kind   string `json:"kind"`
	Params any    `json:"params"`
}

// Hash returns the SHA-256 of the config's JSON encoding (map keys sorted, so it is canonical).
func (c CellConfig) Hash() (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("hash cell config: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// KLabel formats a tail-shot count for paths and ids ("all" for 0).
func KLabel(k int) string {
	if k == 0 {
		return "all"
	}
	return strconv.Itoa(k)
}

// ID names a cell within its experiment: "dataset/method/k/seed".
func ID(dataset, method string, k int, seed uint64) string {
	return fmt.Sprintf("%s/%s/%s/%d", dataset, method, KLabel(k), seed)
}

// ID returns the cell's id (see the function ID).
func (c *Cell) ID() string { return ID(c.Dataset, c.Method, c.TailShots, c.Seed) }

// ExperimentDir returns the folder of an experiment's results.
func ExperimentDir(out, exp string) string { return filepath.Join(out, exp) }

// CellPath returns the result file of a cell.
func CellPath(out, exp, dataset, method string, k int, seed uint64) string {
	return filepath.Join(out, exp, "cells", safeName(dataset), safeName(method),
		fmt.Sprintf("k%s-seed%d.json", KLabel(k), seed))
}

// safeName keeps a name usable as one path element.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '/' || c == '\\' || c == 0 {
			b[i] = '_'
		}
	}
	if s == "." || s == ".." {
		return "_" + s
	}
	return string(b)
}

// Write stores a cell atomically at path, creating folders as needed, after its sidecar when
// c.Samples is set.
func Write(path string, c *Cell) error {
	if err := writeSidecar(path, c); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cell %s: %w", c.ID(), err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// Read loads a cell file. A file that is not a complete cell record is an error.
func Read(path string) (*Cell, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Cell
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("read cell %s: %w", path, err)
	}
	switch {
	case c.Status != StatusOK && c.Status != StatusFailed:
		return nil, fmt.Errorf("read cell %s: unknown status %q", path, c.Status)
	case c.Status == StatusOK && c.Metrics == nil:
		return nil, fmt.Errorf("read cell %s: status ok without metrics", path)
	case c.ConfigHash == "" || c.Dataset == "" || c.Method == "":
		return nil, fmt.Errorf("read cell %s: incomplete record", path)
	}
	return &c, nil
}

// ReadAll loads every cell file of an experiment. Files that cannot be read are returned as errors
// next to the cells that could, so one corrupt file does not hide the others.
func ReadAll(out, exp string) ([]*Cell, []error) {
	root := filepath.Join(out, exp, "cells")
	var cells []*Cell
	var errs []error
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == root {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".json" {
			return nil
		}
		c, err := Read(path)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("read results of %s: %w", exp, err))
	}
	return cells, errs
}
