package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/catch"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// Experiment is one named grid: every data set x method variant x tail-shot count x seed is a cell.
//
// YAML keys: description, datasets, methods, tail_shots (integers >= 0 or "all" = 0), seeds,
// data (overrides of the top-level sample config), set (method -> parameter overrides for this
// experiment), vary (method -> parameter -> list of values; each combination is a variant named
// like `behaviorlm[per_class=20]`; dotted parameter paths reach nested fields), columns (metric
// keys shown per group, default [acc, wf1]), groups (default [overall, anchor, tail]), tables
// (which report tables: main, tailshots, ablation, stats), tailshot_metric ({group, metric} of
// the tail-shot table and plot, default tail wf1), reference (the ablation table's reference
// variant, default the first) and thresholds (method -> data set -> group -> metric -> minimum,
// for the CI gate) and claims (the claims table, see Claims).
type Experiment struct {
	Name        string
	Description string
	Line        int
	// Data is the sample config of this experiment (the top-level data: with its overrides).
	Data      datasets.SampleConfig
	Datasets  []string
	Variants  []Variant
	TailShots []int // 0 = all
	Seeds     []uint64
	// Columns are metric keys (metrics.Keys), Groups group names (metrics.Groups).
	Columns []string
	Groups  []string
	// Tables lists the report tables to produce, in order.
	Tables []string
	// TailshotGroup and TailshotMetric select the value of the tail-shot table and plot.
	TailshotGroup, TailshotMetric string
	// Reference is the variant the ablation table compares against.
	Reference  string
	Thresholds []Threshold
	// Claims configures the claims table (claims.go); nil when the experiment has none.
	Claims *Claims
}

// Variant is one method configuration of an experiment: a `methods:` entry with the experiment's
// `set:` overrides and one combination of its `vary:` values.
type Variant struct {
	// Name is the method name, plus `[param=value,...]` for a varied variant.
	Name string
	// Method is the `methods:` entry and Kind its kind.
	Method, Kind string
	// Params is the kind's parameter struct (a pointer) with every override applied.
	Params any
	Line   int
}

// Threshold is a minimum value for one metric of one method on one data set (CI gate).
type Threshold struct {
	Method, Dataset, Group, Metric string
	Min                            float64
	Line                           int
}

// Tables a report can contain.
var Tables = []string{"main", "tailshots", "ablation", "stats"}

// KString formats a tail-shot count as the YAML writes it ("all" for 0).
//
// Deprecated: use results.KLabel, the one definition; KString forwards to it.
func KString(k int) string { return results.KLabel(k) }

// Variant returns the experiment's variant with the given name.
func (e *Experiment) Variant(name string) (Variant, bool) {
	for _, v := range e.Variants {
		if v.Name == name {
			return v, true
		}
	}
	return Variant{}, false
}

// NumCells returns the size of the grid.
func (e *Experiment) NumCells() int {
	return len(e.Datasets) * len(e.Variants) * len(e.TailShots) * len(e.Seeds)
}

var experimentKeys = []string{"description", "datasets", "methods", "tail_shots", "seeds", "data", "set", "vary",
	"columns", "groups", "tables", "tailshot_metric", "reference", "thresholds", "claims"}

func (c *Config) parseExperiments(d decoder, n *yaml.Node, reg Registry) error {
	ps, err := d.pairs(n, "experiments")
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return d.errorf(n, "experiments: no experiment defined")
	}
	for _, p := range ps {
		e, err := c.parseExperiment(d, p.key, p.value, reg)
		if err != nil {
			return err
		}
		c.Experiments = append(c.Experiments, e)
	}
	return nil
}

func (c *Config) parseExperiment(d decoder, key, n *yaml.Node, reg Registry) (*Experiment, error) {
	e := &Experiment{Name: key.Value, Line: key.Line, Data: c.Data,
		Columns: []string{"acc", "wf1"}, Groups: append([]string(nil), metrics.Groups...),
		TailshotGroup: "tail", TailshotMetric: "wf1"}
	path := "experiments." + e.Name
	if e.Name == "" || strings.ContainsAny(e.Name, "/\\ \t") || e.Name == "." || e.Name == ".." {
		return nil, d.errorf(key, "%s: experiment names may not be empty or contain '/', '\\' or spaces", path)
	}
	ps, err := d.pairs(n, path)
	if err != nil {
		return nil, err
	}
	var methodNames []string
	var setNode, varyNode, thresholdsNode, claimsNode *yaml.Node
	for _, p := range ps {
		kp := join(path, p.key.Value)
		var err error
		switch p.key.Value {
		case "description":
			err = d.leaf(p.value, reflect.ValueOf(&e.Description).Elem(), kp)
		case "datasets":
			e.Datasets, err = d.names(p.value, kp, c.DatasetNames(), "data set")
		case "methods":
			var known []string
			for _, m := range c.Methods {
				known = append(known, m.Name)
			}
			methodNames, err = d.names(p.value, kp, known, "method")
		case "tail_shots":
			e.TailShots, err = d.tailShots(p.value, kp)
		case "seeds":
			e.Seeds, err = d.seeds(p.value, kp)
		case "data":
			if err = d.apply(p.value, reflect.ValueOf(&e.Data).Elem(), kp); err == nil {
				if verr := e.Data.Validate(); verr != nil {
					err = d.errorf(p.value, "%s.%v", kp, verr)
				}
			}
		case "set":
			setNode = p.value
		case "vary":
			varyNode = p.value
		case "columns":
			e.Columns, err = d.names(p.value, kp, metrics.Keys, "metric")
		case "groups":
			e.Groups, err = d.names(p.value, kp, metrics.Groups, "group")
		case "tables":
			e.Tables, err = d.names(p.value, kp, Tables, "table")
		case "tailshot_metric":
			err = d.tailshotMetric(p.value, kp, e)
		case "reference":
			err = d.leaf(p.value, reflect.ValueOf(&e.Reference).Elem(), kp)
		case "thresholds":
			thresholdsNode = p.value
		case "claims":
			claimsNode = p.value
		default:
			err = d.errorf(p.key, "unknown key %q in %s (known keys: %s)", p.key.Value, path, strings.Join(experimentKeys, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	for _, req := range []struct {
		key   string
		empty bool
	}{{"datasets", len(e.Datasets) == 0}, {"methods", len(methodNames) == 0}, {"tail_shots", len(e.TailShots) == 0}, {"seeds", len(e.Seeds) == 0}} {
		if req.empty {
			return nil, d.errorf(key, "%s: empty grid: %s is missing or empty", path, req.key)
		}
	}
	if e.Tables == nil {
		e.Tables = []string{"main"}
		if len(e.TailShots) > 1 {
			e.Tables = append(e.Tables, "tailshots")
		}
		e.Tables = append(e.Tables, "stats")
	}
	if err := c.buildVariants(d, e, methodNames, setNode, varyNode, reg); err != nil {
		return nil, err
	}
	if e.Reference == "" {
		e.Reference = e.Variants[0].Name
	} else if _, ok := e.Variant(e.Reference); !ok {
		return nil, d.errorf(key, "%s.reference: %q is not a method variant of this experiment (variants: %s)", path, e.Reference, strings.Join(e.variantNames(), ", "))
	}
	if thresholdsNode != nil {
		if err := d.thresholds(thresholdsNode, path+".thresholds", e); err != nil {
			return nil, err
		}
	}
	if claimsNode != nil {
		if err := d.claims(claimsNode, path+".claims", e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *Experiment) variantNames() []string {
	var out []string
	for _, v := range e.Variants {
		out = append(out, v.Name)
	}
	return out
}

// items returns the elements of a list node; a single scalar counts as a one-element list.
func (d decoder) items(n *yaml.Node, path string) ([]*yaml.Node, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			out[i] = resolve(x)
			if out[i].Kind != yaml.ScalarNode {
				return nil, d.errorf(x, "%s[%d]: want a scalar, got %s", path, i, describe(x))
			}
		}
		return out, nil
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []*yaml.Node{n}, nil
	}
	return nil, d.errorf(n, "%s: want a list, got %s", path, describe(n))
}

// names decodes a list of names, each of which must be in known; what names the kind of thing.
func (d decoder) names(n *yaml.Node, path string, known []string, what string) ([]string, error) {
	items, err := d.items(n, path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, x := range items {
		if !slices.Contains(known, x.Value) {
			return nil, d.errorf(x, "%s: unknown %s %q (defined: %s)", path, what, x.Value, strings.Join(known, ", "))
		}
		if slices.Contains(out, x.Value) {
			return nil, d.errorf(x, "%s: %s %q listed twice", path, what, x.Value)
		}
		out = append(out, x.Value)
	}
	return out, nil
}

func (d decoder) tailShots(n *yaml.Node, path string) ([]int, error) {
	items, err := d.items(n, path)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, x := range items {
		k := 0
		if x.Value != "all" {
			v, err := strconv.Atoi(x.Value)
			if err != nil {
				return nil, d.errorf(x, "%s: want an integer >= 0 or \"all\", got %q", path, x.Value)
			}
			if v < 0 {
				return nil, d.errorf(x, "%s: tail-shot count must be >= 0 (or \"all\"), got %d", path, v)
			}
			if v == 0 {
				return nil, d.errorf(x, "%s: write \"all\" rather than 0 for no tail-shot restriction", path)
			}
			k = v
		}
		for _, old := range out {
			if old == k {
				return nil, d.errorf(x, "%s: %s listed twice", path, KString(k))
			}
		}
		out = append(out, k)
	}
	return out, nil
}

func (d decoder) seeds(n *yaml.Node, path string) ([]uint64, error) {
	items, err := d.items(n, path)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, x := range items {
		v, err := strconv.ParseUint(x.Value, 10, 64)
		if err != nil {
			return nil, d.errorf(x, "%s: want a non-negative integer seed, got %q", path, x.Value)
		}
		for _, old := range out {
			if old == v {
				return nil, d.errorf(x, "%s: seed %d listed twice", path, v)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (d decoder) tailshotMetric(n *yaml.Node, path string, e *Experiment) error {
	ps, err := d.pairs(n, path)
	if err != nil {
		return err
	}
	for _, p := range ps {
		switch p.key.Value {
		case "group":
			if !slices.Contains(metrics.Groups, p.value.Value) {
				return d.errorf(p.value, "%s.group: unknown group %q (known: %s)", path, p.value.Value, strings.Join(metrics.Groups, ", "))
			}
			e.TailshotGroup = p.value.Value
		case "metric":
			if !slices.Contains(metrics.Keys, p.value.Value) {
				return d.errorf(p.value, "%s.metric: unknown metric %q (known: %s)", path, p.value.Value, strings.Join(metrics.Keys, ", "))
			}
			e.TailshotMetric = p.value.Value
		default:
			return d.errorf(p.key, "unknown key %q in %s (known keys: group, metric)", p.key.Value, path)
		}
	}
	return nil
}

// buildVariants decodes every listed method's parameters with the experiment's set/vary overrides.
func (c *Config) buildVariants(d decoder, e *Experiment, names []string, setNode, varyNode *yaml.Node, reg Registry) error {
	path := "experiments." + e.Name
	set := map[string]*yaml.Node{}
	if setNode != nil {
		ps, err := d.pairs(setNode, path+".set")
		if err != nil {
			return err
		}
		for _, p := range ps {
			if !slices.Contains(names, p.key.Value) {
				return d.errorf(p.key, "%s.set: method %q is not in this experiment's methods (%s)", path, p.key.Value, strings.Join(names, ", "))
			}
			set[p.key.Value] = p.value
		}
	}
	vary := map[string][]pair{}
	if varyNode != nil {
		ps, err := d.pairs(varyNode, path+".vary")
		if err != nil {
			return err
		}
		for _, p := range ps {
			if !slices.Contains(names, p.key.Value) {
				return d.errorf(p.key, "%s.vary: method %q is not in this experiment's methods (%s)", path, p.key.Value, strings.Join(names, ", "))
			}
			params, err := d.pairs(p.value, path+".vary."+p.key.Value)
			if err != nil {
				return err
			}
			if len(params) == 0 {
				return d.errorf(p.value, "%s.vary.%s: no parameter to vary", path, p.key.Value)
			}
			vary[p.key.Value] = params
		}
	}
	backbones := c.BackboneParams()
	for _, name := range names {
		m, _ := c.method(name)
		f := reg.Methods[m.Kind]
		combos, err := d.combinations(vary[name], path+".vary."+name)
		if err != nil {
			return err
		}
		for _, combo := range combos {
			params := f.Params()
			pv, err := paramsValue(params)
			if err != nil {
				return fmt.Errorf("%s:%d: methods.%s: kind %s: %w", d.file, m.Line, name, m.Kind, err)
			}
			if err := d.applyParams(m.Node, pv, "methods."+name); err != nil {
				return err
			}
			if n := set[name]; n != nil {
				if err := d.apply(n, pv, path+".set."+name); err != nil {
					return err
				}
			}
			v := Variant{Name: name, Method: name, Kind: m.Kind, Params: params, Line: m.Line}
			var labels []string
			for _, s := range combo {
				if err := d.apply(s.node, pv, path+".vary."+name); err != nil {
					return err
				}
				labels = append(labels, s.param+"="+s.value)
			}
			if len(labels) > 0 {
				v.Name += "[" + strings.Join(labels, ",") + "]"
			}
			if _, err := newMethod(f, params, backbones); err != nil {
				return fmt.Errorf("%s:%d: %s: method %s: %w", d.file, m.Line, path, v.Name, err)
			}
			e.Variants = append(e.Variants, v)
		}
	}
	return nil
}

// setting is one varied parameter value, as a mapping node to apply onto the parameters.
type setting struct {
	param, value string
	node         *yaml.Node
}

// combinations expands `param: [values]` pairs into their cartesian product, in order (the first
// parameter varies slowest). No pairs yield one empty combination.
func (d decoder) combinations(params []pair, path string) ([][]setting, error) {
	combos := [][]setting{nil}
	for _, p := range params {
		values, err := d.items(p.value, join(path, p.key.Value))
		if err != nil {
			return nil, err
		}
		if len(values) == 0 {
			return nil, d.errorf(p.value, "%s: no values", join(path, p.key.Value))
		}
		seen := map[string]int{}
		for _, v := range values {
			if line, dup := seen[v.Value]; dup {
				return nil, d.errorf(v, "%s: value %s given twice (first at line %d)", join(path, p.key.Value), v.Value, line)
			}
			seen[v.Value] = v.Line
		}
		var next [][]setting
		for _, c := range combos {
			for _, v := range values {
				if strings.ContainsAny(v.Value, "/[],=") {
					return nil, d.errorf(v, "%s: varied values may not contain '/', '[', ']', ',' or '='", join(path, p.key.Value))
				}
				s := setting{param: p.key.Value, value: v.Value, node: nested(p.key, v)}
				next = append(next, append(append([]setting(nil), c...), s))
			}
		}
		combos = next
	}
	return combos, nil
}

// nested builds the mapping {a: {b: value}} for the dotted key "a.b", keeping the key's line.
func nested(key, value *yaml.Node) *yaml.Node {
	parts := strings.Split(key.Value, ".")
	n := value
	for i := len(parts) - 1; i >= 0; i-- {
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: parts[i], Line: key.Line, Column: key.Column}
		n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{k, n}, Line: key.Line, Column: key.Column}
	}
	return n
}

// newMethod calls a factory, turning a panic into an error.
func newMethod(f method.Factory, params any, backbones map[string]any) (m method.Method, err error) {
	defer catch.Panic(&err, "panic")
	return f.New(params, backbones)
}

// NewMethod builds a variant's method with the registry's factory.
func (c *Config) NewMethod(reg Registry, v Variant) (method.Method, error) {
	f, ok := reg.Methods[v.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown method kind %q", v.Kind)
	}
	return newMethod(f, v.Params, c.BackboneParams())
}

// thresholds decodes method -> data set -> group -> metric -> minimum.
func (d decoder) thresholds(n *yaml.Node, path string, e *Experiment) error {
	methods, err := d.pairs(n, path)
	if err != nil {
		return err
	}
	if len(methods) == 0 {
		return d.errorf(n, "%s: empty", path)
	}
	for _, m := range methods {
		mp := join(path, m.key.Value)
		if _, ok := e.Variant(m.key.Value); !ok {
			return d.errorf(m.key, "%s: %q is not a method variant of this experiment (variants: %s)", path, m.key.Value, strings.Join(e.variantNames(), ", "))
		}
		dss, err := d.pairs(m.value, mp)
		if err != nil {
			return err
		}
		if len(dss) == 0 {
			return d.errorf(m.value, "%s: no data set thresholds", mp)
		}
		for _, ds := range dss {
			dp := join(mp, ds.key.Value)
			if !slices.Contains(e.Datasets, ds.key.Value) {
				return d.errorf(ds.key, "%s: %q is not a data set of this experiment (%s)", mp, ds.key.Value, strings.Join(e.Datasets, ", "))
			}
			groups, err := d.pairs(ds.value, dp)
			if err != nil {
				return err
			}
			if len(groups) == 0 {
				return d.errorf(ds.value, "%s: no group thresholds (groups: %s)", dp, strings.Join(metrics.Groups, ", "))
			}
			for _, g := range groups {
				gp := join(dp, g.key.Value)
				if !slices.Contains(metrics.Groups, g.key.Value) {
					return d.errorf(g.key, "%s: unknown group %q (known: %s)", dp, g.key.Value, strings.Join(metrics.Groups, ", "))
				}
				if gv := resolve(g.value); gv.Kind != yaml.MappingNode || len(gv.Content) == 0 {
					return d.errorf(g.value, "%s: missing metric key: want e.g. {acc: 0.05}, got %s (known metrics: %s)", gp, describe(gv), strings.Join(metrics.Keys, ", "))
				}
				ms, err := d.pairs(g.value, gp)
				if err != nil {
					return err
				}
				if len(ms) == 0 {
					return d.errorf(g.value, "%s: missing metric key (known: %s)", gp, strings.Join(metrics.Keys, ", "))
				}
				for _, mt := range ms {
					if !slices.Contains(metrics.Keys, mt.key.Value) {
						return d.errorf(mt.key, "%s: unknown metric key %q (known: %s)", gp, mt.key.Value, strings.Join(metrics.Keys, ", "))
					}
					var v float64
					if err := d.leaf(mt.value, reflect.ValueOf(&v).Elem(), join(gp, mt.key.Value)); err != nil {
						return err
					}
					if v < 0 || v > 1 {
						return d.errorf(mt.value, "%s: threshold must be in [0,1], got %g", join(gp, mt.key.Value), v)
					}
					e.Thresholds = append(e.Thresholds, Threshold{Method: m.key.Value, Dataset: ds.key.Value,
						Group: g.key.Value, Metric: mt.key.Value, Min: v, Line: mt.key.Line})
				}
			}
		}
	}
	return nil
}
