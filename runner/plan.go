package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/results"
)

// cell is one planned experiment cell.
type cell struct {
	// index is the cell's position in the full grid order (the basis of -shard).
	index   int
	dataset config.Dataset
	variant config.Variant
	k       int
	seed    uint64
	id      string
	path    string
	cfg     results.CellConfig
	hash    string
	// fingerprint is the task fingerprint of the data as it is now (set by loadData).
	fingerprint string
}

// taskKey identifies the cells that share one datasets.Task.
type taskKey struct {
	dataset string
	k       int
	seed    uint64
}

func (c *cell) taskKey() taskKey { return taskKey{c.dataset.Name, c.k, c.seed} }

// label is the cell's progress-line name, e.g. "nyc uniform k=5 seed=1".
func (c *cell) label() string {
	return fmt.Sprintf("%s %s k=%s seed=%d", c.dataset.Name, c.variant.Name, results.KLabel(c.k), c.seed)
}

// plan lists every cell of an experiment in the fixed grid order: data sets, then tail-shot
// counts, then seeds (so the cells sharing a task are adjacent), then method variants.
func plan(cfg *config.Config, e *config.Experiment, out string) ([]*cell, error) {
	backbones := map[string]results.BackboneConfig{}
	for _, b := range cfg.Backbones {
		p, err := config.Plain(b.Params)
		if err != nil {
			return nil, fmt.Errorf("backbone %s: %w", b.Name, err)
		}
		backbones[b.Name] = results.BackboneConfig{Kind: b.Kind, Params: p}
	}
	type variantConfig struct {
		params    any
		backbones map[string]results.BackboneConfig
	}
	vcs := make([]variantConfig, len(e.Variants))
	for i, v := range e.Variants {
		p, err := config.Plain(v.Params)
		if err != nil {
			return nil, fmt.Errorf("method %s: %w", v.Name, err)
		}
		vcs[i] = variantConfig{params: p, backbones: referenced(v.Params, backbones)}
	}
	var cells []*cell
	byPath := map[string]string{} // lower-cased result path -> cell id (case-insensitive file systems too)
	byHash := map[string]string{} // config hash -> cell id
	for _, dsName := range e.Datasets {
		ds, _ := cfg.Dataset(dsName)
		for _, k := range e.TailShots {
			for _, seed := range e.Seeds {
				for i, v := range e.Variants {
					c := &cell{index: len(cells), dataset: ds, variant: v, k: k, seed: seed,
						id:   results.ID(ds.Name, v.Name, k, seed),
						path: results.CellPath(out, e.Name, ds.Name, v.Name, k, seed),
						cfg: results.CellConfig{Method: v.Method, Kind: v.Kind, Params: vcs[i].params, Backbones: vcs[i].backbones,
							Data: e.Data, Dataset: ds.Spec, TailShots: k, Seed: seed}}
					h, err := c.cfg.Hash()
					if err != nil {
						return nil, fmt.Errorf("cell %s: %w", c.id, err)
					}
					c.hash = h
					key := strings.ToLower(c.path)
					if other, dup := byPath[key]; dup {
						return nil, fmt.Errorf("experiment %s: cells %s and %s map to the same result file %s: rename a data set or method so their names differ after replacing / and \\ by _ (and ignoring case)", e.Name, other, c.id, c.path)
					}
					byPath[key] = c.id
					if other, dup := byHash[h]; dup {
						return nil, fmt.Errorf("experiment %s: cells %s and %s have the same config (a value listed twice?); each would count twice in mean ± std", e.Name, other, c.id)
					}
					byHash[h] = c.id
					cells = append(cells, c)
				}
			}
		}
	}
	return cells, nil
}

// referenced returns the backbones that the method's parameters name (method.BackboneUser), so
// a changed backbone changes the config hash of exactly the methods that use it.
func referenced(params any, backbones map[string]results.BackboneConfig) map[string]results.BackboneConfig {
	u, ok := params.(method.BackboneUser)
	if !ok {
		return nil
	}
	var out map[string]results.BackboneConfig
	for _, name := range u.BackboneNames() {
		if b, ok := backbones[name]; ok {
			if out == nil {
				out = map[string]results.BackboneConfig{}
			}
			out[name] = b
		}
	}
	return out
}

// selectCells applies -only (any filter matches) and -shard (index % n == i).
func selectCells(cells []*cell, only []string, shardI, shardN int) []*cell {
	matchers := make([]func(string) bool, len(only))
	for i, f := range only {
		matchers[i] = matcher(f)
	}
	var out []*cell
	for _, c := range cells {
		if c.index%shardN != shardI {
			continue
		}
		ok := len(matchers) == 0
		for _, m := range matchers {
			if m(c.id) {
				ok = true
				break
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// matcher returns a cell-id filter: a glob (with * or ?, matched against the whole id, where *
// also crosses '/') or else a substring.
func matcher(f string) func(string) bool {
	if !strings.ContainsAny(f, "*?") {
		return func(id string) bool { return strings.Contains(id, f) }
	}
	var re strings.Builder
	re.WriteString("^")
	for _, r := range f {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	rx := regexp.MustCompile(re.String())
	return rx.MatchString
}
