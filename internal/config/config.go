// Package config reads experiments.yaml: sample defaults, data sets, backbones, methods and the
// named experiment grids that the runner executes.
//
// Decoding is strict. An unknown key, a value of the wrong type, an unknown method kind or data
// set, a duplicated name or an empty grid is an error that names the file, the line and the key
// path, e.g. `experiments.yaml:42: unknown key "epoch" in methods.uniform (known keys: ...)`.
// Method and backbone parameters are decoded onto the structs returned by the kinds' factories
// (internal/method.Factory.Params), so their defaults live with the methods and the YAML
// overrides only what it names.
//
// Layout:
//
//	data:        sample construction defaults (datasets.SampleConfig)
//	datasets:    name -> datasets.Spec {loader, path, synthetic} (loader defaults to the name)
//	backbones:   name -> {kind: behavior-lm, ...the kind's parameters}
//	methods:     name -> {kind: ..., ...the kind's parameters}
//	experiments: name -> grid (see Experiment)
//	x-...:       ignored; a place for YAML anchors (&name) to reuse with aliases and merge keys
//
// Merge keys (`<<: *name`) merge deeply: an explicit nested mapping is applied on top of the
// merged one instead of replacing it.
package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// Registry holds the method and backbone kinds a config may name.
type Registry struct {
	Methods   map[string]method.Factory
	Backbones map[string]method.BackboneFactory
}

// Config is a decoded and validated experiments file.
type Config struct {
	// Path is the file the config was read from (used in messages).
	Path string
	// Data holds the sample construction defaults; an experiment may override them.
	Data datasets.SampleConfig
	// Datasets, Backbones, Methods and Experiments are in file order.
	Datasets    []Dataset
	Backbones   []Backbone
	Methods     []Method
	Experiments []*Experiment
}

// Dataset is one entry of `datasets:`.
type Dataset struct {
	Name string
	Spec datasets.Spec
	Line int
}

// Backbone is one entry of `backbones:`; Params is the kind's parameter struct (a pointer).
type Backbone struct {
	Name, Kind string
	Params     any
	Line       int
}

// Method is one entry of `methods:`. Node is its YAML mapping, kept so that it is decoded onto a
// fresh parameter struct per experiment variant (experiments may override parameters) with the
// original line numbers in errors; its `kind` key is skipped when decoding.
type Method struct {
	Name, Kind string
	Node       *yaml.Node
	Line       int
}

// Load reads and validates a config file.
func Load(path string, reg Registry) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, filepath.Base(path), reg)
}

// Parse decodes and validates a config; file names the source in error messages.
func Parse(data []byte, file string, reg Registry) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty file", file)
	}
	d := newDecoder(file)
	c := &Config{Path: file, Data: datasets.DefaultSampleConfig()}
	top, err := d.pairs(root.Content[0], "")
	if err != nil {
		return nil, err
	}
	var expNode *yaml.Node
	for _, p := range top {
		switch p.key.Value {
		case "data":
			if err := d.apply(p.value, reflect.ValueOf(&c.Data).Elem(), "data"); err != nil {
				return nil, err
			}
			if err := c.Data.Validate(); err != nil {
				return nil, d.errorf(p.value, "data.%v", err)
			}
		case "datasets":
			if err := c.parseDatasets(d, p.value); err != nil {
				return nil, err
			}
		case "backbones":
			if err := c.parseBackbones(d, p.value, reg); err != nil {
				return nil, err
			}
		case "methods":
			if err := c.parseMethods(d, p.value, reg); err != nil {
				return nil, err
			}
		case "experiments":
			expNode = p.value // parsed last: experiments refer to everything else
		default:
			if strings.HasPrefix(p.key.Value, "x-") {
				continue // extension keys hold YAML anchors for reuse
			}
			return nil, d.errorf(p.key, "unknown key %q at the top level (known keys: data, datasets, backbones, methods, experiments, x-*)", p.key.Value)
		}
	}
	if expNode == nil {
		return nil, fmt.Errorf("%s: no experiments section", file)
	}
	if err := c.parseExperiments(d, expNode, reg); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) parseDatasets(d decoder, n *yaml.Node) error {
	ps, err := d.pairs(n, "datasets")
	if err != nil {
		return err
	}
	for _, p := range ps {
		ds := Dataset{Name: p.key.Value, Spec: datasets.Spec{Loader: p.key.Value}, Line: p.key.Line}
		path := "datasets." + ds.Name
		if err := d.apply(p.value, reflect.ValueOf(&ds.Spec).Elem(), path); err != nil {
			return err
		}
		if !slices.Contains(datasets.Names, ds.Spec.Loader) {
			return d.errorf(p.value, "%s.loader: unknown loader %q (known: %s)", path, ds.Spec.Loader, strings.Join(datasets.Names, ", "))
		}
		if ds.Spec.Loader == "synthetic" {
			// Decode again onto the generator's defaults, so a written 0 stays 0 (only the
			// synthetic loader records these parameters: other specs' hashes are unchanged).
			ds.Spec = datasets.Spec{Loader: p.key.Value, Synthetic: datasets.DefaultSyntheticConfig()}
			if err := d.apply(p.value, reflect.ValueOf(&ds.Spec).Elem(), path); err != nil {
				return err
			}
			if err := ds.Spec.Synthetic.Validate(); err != nil {
				return d.errorf(p.value, "%s.synthetic.%v", path, err)
			}
		}
		c.Datasets = append(c.Datasets, ds)
	}
	return nil
}

// kindOf returns the `kind` of a `{kind: ..., params...}` mapping (which may come from a merge
// key). The parameters are decoded from the same mapping with applyParams, which skips `kind`.
func kindOf(d decoder, n *yaml.Node, path string) (string, error) {
	ps, err := d.pairs(n, path)
	if err != nil {
		return "", err
	}
	kind := ""
	for _, p := range ps {
		if p.key.Value == "kind" {
			if p.value.Kind != yaml.ScalarNode {
				return "", d.errorf(p.value, "%s.kind: want a name, got %s", path, describe(p.value))
			}
			kind = p.value.Value
		}
	}
	if kind == "" {
		return "", d.errorf(n, "%s: missing key \"kind\"", path)
	}
	return kind, nil
}

func (c *Config) parseBackbones(d decoder, n *yaml.Node, reg Registry) error {
	ps, err := d.pairs(n, "backbones")
	if err != nil {
		return err
	}
	for _, p := range ps {
		path := "backbones." + p.key.Value
		kind, err := kindOf(d, p.value, path)
		if err != nil {
			return err
		}
		f, ok := reg.Backbones[kind]
		if !ok {
			return d.errorf(p.value, "%s: unknown backbone kind %q (known: %s)", path, kind, strings.Join(sortedKeys(reg.Backbones), ", "))
		}
		params := f.Params()
		pv, err := paramsValue(params)
		if err != nil {
			return fmt.Errorf("%s:%d: %s: kind %s: %w", d.file, p.key.Line, path, kind, err)
		}
		if err := d.applyParams(p.value, pv, path); err != nil {
			return err
		}
		c.Backbones = append(c.Backbones, Backbone{Name: p.key.Value, Kind: kind, Params: params, Line: p.key.Line})
	}
	return nil
}

func (c *Config) parseMethods(d decoder, n *yaml.Node, reg Registry) error {
	ps, err := d.pairs(n, "methods")
	if err != nil {
		return err
	}
	for _, p := range ps {
		path := "methods." + p.key.Value
		if strings.ContainsAny(p.key.Value, "/[]=, \t") {
			return d.errorf(p.key, "%s: method names may not contain '/', '[', ']', '=', ',' or spaces", path)
		}
		kind, err := kindOf(d, p.value, path)
		if err != nil {
			return err
		}
		f, ok := reg.Methods[kind]
		if !ok {
			return d.errorf(p.value, "%s: unknown method kind %q (known: %s)", path, kind, strings.Join(sortedKeys(reg.Methods), ", "))
		}
		// Decode once now so that errors show up even for methods no experiment uses.
		pv, err := paramsValue(f.Params())
		if err != nil {
			return fmt.Errorf("%s:%d: %s: kind %s: %w", d.file, p.key.Line, path, kind, err)
		}
		if err := d.applyParams(p.value, pv, path); err != nil {
			return err
		}
		c.Methods = append(c.Methods, Method{Name: p.key.Value, Kind: kind, Node: p.value, Line: p.key.Line})
	}
	return nil
}

// Experiment returns the named experiment.
func (c *Config) Experiment(name string) (*Experiment, error) {
	for _, e := range c.Experiments {
		if e.Name == name {
			return e, nil
		}
	}
	var names []string
	for _, e := range c.Experiments {
		names = append(names, e.Name)
	}
	return nil, fmt.Errorf("%s: no experiment %q (defined: %s)", c.Path, name, strings.Join(names, ", "))
}

// Dataset returns the named data set.
func (c *Config) Dataset(name string) (Dataset, bool) {
	for _, ds := range c.Datasets {
		if ds.Name == name {
			return ds, true
		}
	}
	return Dataset{}, false
}

// DatasetNames lists the data sets in file order.
func (c *Config) DatasetNames() []string {
	var names []string
	for _, ds := range c.Datasets {
		names = append(names, ds.Name)
	}
	return names
}

// method returns the named method entry.
func (c *Config) method(name string) (Method, bool) {
	for _, m := range c.Methods {
		if m.Name == name {
			return m, true
		}
	}
	return Method{}, false
}

// BackboneParams maps every backbone name to its decoded parameters, as Factory.New wants them.
func (c *Config) BackboneParams() map[string]any {
	out := make(map[string]any, len(c.Backbones))
	for _, b := range c.Backbones {
		out[b.Name] = b.Params
	}
	return out
}

// paramsValue returns the struct a Params function's pointer points to.
func paramsValue(params any) (reflect.Value, error) {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, fmt.Errorf("Params() returned %T, want a non-nil pointer", params)
	}
	return v.Elem(), nil
}
