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
	if err := c.validate(b); err != nil {
		return nil, fmt.Errorf("read cell %s: %w", path, err)
	}
	return &c, nil
}

// validate checks a decoded cell against its schema: a known status, the identifying fields, a
// config that hashes to config_hash, and for an ok cell every metric of every group present under
// its key (raw is the file's JSON: a renamed or missing key is an error, not a zero), finite and
// in range (n a count, the others in [0, 1]), with overall n = anchor n + tail n.
func (c *Cell) validate(raw []byte) error {
	switch {
	case c.Status != StatusOK && c.Status != StatusFailed:
		return fmt.Errorf("unknown status %q", c.Status)
	case c.ConfigHash == "" || c.Dataset == "" || c.Method == "":
		return fmt.Errorf("incomplete record")
	case c.Seed != c.Config.Seed || c.TailShots != c.Config.TailShots:
		return fmt.Errorf("seed/tail_shots %d/%d differ from the config's %d/%d", c.Seed, c.TailShots, c.Config.Seed, c.Config.TailShots)
	}
	if h, err := c.Config.Hash(); err != nil || h != c.ConfigHash {
		return fmt.Errorf("config does not hash to config_hash %s (edited file?)", c.ConfigHash)
	}
	if c.Status != StatusOK {
		return nil
	}
	var doc struct {
		Metrics map[string]map[string]json.RawMessage `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if c.Metrics == nil || doc.Metrics == nil {
		return fmt.Errorf("status ok without metrics")
	}
	want := append([]string{"n"}, metrics.Keys...)
	for _, g := range metrics.Groups {
		got, ok := doc.Metrics[g]
		if !ok {
			return fmt.Errorf("metrics: missing group %q", g)
		}
		if len(got) != len(want) {
			return fmt.Errorf("metrics.%s: %d keys, want %d (%v)", g, len(got), len(want), want)
		}
		m, _ := c.Metrics.Group(g)
		for _, k := range want {
			if _, ok := got[k]; !ok {
				return fmt.Errorf("metrics.%s: missing %q", g, k)
			}
			if k == "n" {
				if m.N < 0 {
					return fmt.Errorf("metrics.%s.n: %d", g, m.N)
				}
				continue
			}
			if v, _ := m.Get(k); !(v >= 0 && v <= 1) {
				return fmt.Errorf("metrics.%s.%s: %v is outside [0, 1]", g, k, v)
			}
		}
	}
	if c.Metrics.Overall.N != c.Metrics.Anchor.N+c.Metrics.Tail.N || c.Metrics.Overall.N == 0 {
		return fmt.Errorf("metrics: overall n %d is not anchor n %d + tail n %d (> 0)", c.Metrics.Overall.N, c.Metrics.Anchor.N, c.Metrics.Tail.N)
	}
	return nil
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
