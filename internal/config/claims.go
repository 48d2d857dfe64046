package config

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Claims configures an experiment's claims table (report-only: no cell's config or config hash
// depends on it). YAML keys under experiments.<name>.claims: method (the method whose claims are
// tested), uniform (uniform fine-tuning), reweighting and classic (lists of baselines), margin
// (the non-inferiority margin of C2, default 0.01), resamples (bootstrap resamples, default
// 1000) and seed (of the bootstrap, default 1). Every name must be a method of the experiment;
// a list may be empty.
type Claims struct {
	Method, Uniform      string
	Reweighting, Classic []string
	Margin               float64
	Resamples            int
	Seed                 uint64
}

var claimsKeys = []string{"method", "uniform", "reweighting", "classic", "margin", "resamples", "seed"}

func (d decoder) claims(n *yaml.Node, path string, e *Experiment) error {
	ps, err := d.pairs(n, path)
	if err != nil {
		return err
	}
	c := &Claims{Margin: 0.01, Resamples: 1000, Seed: 1}
	known := e.variantNames()
	single := func(p pair, dst *string) error {
		kp := join(path, p.key.Value)
		names, err := d.names(p.value, kp, known, "method variant")
		if err != nil {
			return err
		}
		if len(names) != 1 {
			return d.errorf(p.value, "%s: want one method variant", kp)
		}
		*dst = names[0]
		return nil
	}
	for _, p := range ps {
		kp := join(path, p.key.Value)
		switch p.key.Value {
		case "method":
			err = single(p, &c.Method)
		case "uniform":
			err = single(p, &c.Uniform)
		case "reweighting":
			c.Reweighting, err = d.names(p.value, kp, known, "method variant")
		case "classic":
			c.Classic, err = d.names(p.value, kp, known, "method variant")
		case "margin":
			if err = d.leaf(p.value, reflect.ValueOf(&c.Margin).Elem(), kp); err == nil && !(c.Margin >= 0 && c.Margin < 1) {
				err = d.errorf(p.value, "%s: want 0 <= margin < 1, got %v", kp, c.Margin)
			}
		case "resamples":
			if err = d.leaf(p.value, reflect.ValueOf(&c.Resamples).Elem(), kp); err == nil && c.Resamples < 100 {
				err = d.errorf(p.value, "%s: want at least 100 resamples, got %d", kp, c.Resamples)
			}
		case "seed":
			err = d.leaf(p.value, reflect.ValueOf(&c.Seed).Elem(), kp)
		default:
			err = d.errorf(p.key, "unknown key %q in %s (known keys: %s)", p.key.Value, path, strings.Join(claimsKeys, ", "))
		}
		if err != nil {
			return err
		}
	}
	if c.Method == "" {
		return d.errorf(n, "%s: method is required", path)
	}
	e.Claims = c
	return nil
}
