package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder applies YAML nodes onto Go values strictly: every mapping key must name a field (by its
// yaml tag, or its lower-cased name as yaml.v3 does), duplicate keys are errors, and every error
// names the file, the line and the key path. Fields absent from the YAML keep their current
// values, so decoding onto a struct of defaults overrides only what the YAML sets.
//
// Merge keys are expanded with two guards: a mapping that merges itself (directly or through
// others) is an error naming its line, and all expansions of one document together may produce at
// most maxMergedEntries entries, so nested merges (`<<: [*a, *a, ...]` ten levels deep) fail at
// once instead of growing without bound.
type decoder struct {
	file  string
	state *decodeState
}

// decodeState is shared by the copies of one document's decoder.
type decodeState struct {
	merged  int                 // entries produced by merge keys so far
	merging map[*yaml.Node]bool // mappings whose merge keys are being expanded (cycle check)
}

// maxMergedEntries bounds the entries that merge keys may produce in one document. A real config
// (experiments.yaml: a few hundred) stays far below it; a merge bomb reaches it in milliseconds.
const maxMergedEntries = 100_000

// newDecoder returns a decoder for the named file.
func newDecoder(file string) decoder {
	return decoder{file: file, state: &decodeState{merging: map[*yaml.Node]bool{}}}
}

// errorf formats an error located at a node.
func (d decoder) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", d.file, n.Line, fmt.Sprintf(format, args...))
}

// resolve follows alias nodes (*anchor references) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is one key/value entry of a mapping node, after merge keys (<<) are expanded. merged marks
// entries that came from a merge key.
type pair struct {
	key, value *yaml.Node
	merged     bool
}

// pairs returns the entries of a mapping node, expanding YAML merge keys, and rejects duplicate
// explicit keys. path names the mapping in error messages.
//
// Merged entries come first, then the explicit ones, and decoding applies them in that order. So
// an explicit scalar overrides a merged one as in YAML, and an explicit mapping is applied on top
// of a merged mapping of the same key (a deep merge: `{<<: *base, stage1: {lr: 0.1}}` keeps the
// other stage1 settings of base). Of several merged mappings (`<<: [*a, *b]`), earlier ones win.
func (d decoder) pairs(n *yaml.Node, path string) ([]pair, error) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil, d.errorf(n, "%s: want a mapping, got %s", displayPath(path), describe(n))
	}
	if d.state.merging[n] {
		return nil, d.errorf(n, "%s: the mapping merges itself (a cycle of <<: merge keys)", displayPath(path))
	}
	d.state.merging[n] = true
	defer delete(d.state.merging, n)
	var merged, explicit []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, d.errorf(k, "%s: mapping keys must be scalars", displayPath(path))
		}
		if k.Tag == "!!merge" || (k.Value == "<<" && k.Tag != "!!str") {
			sources := []*yaml.Node{resolve(v)}
			if sources[0].Kind == yaml.SequenceNode {
				sources = sources[0].Content
			}
			for j := len(sources) - 1; j >= 0; j-- {
				ps, err := d.pairs(sources[j], path)
				if err != nil {
					return nil, err
				}
				d.state.merged += len(ps)
				if d.state.merged > maxMergedEntries {
					return nil, d.errorf(k, "%s: merge keys expand to more than %d entries (nested <<: merges?)", displayPath(path), maxMergedEntries)
				}
				for _, p := range ps {
					p.merged = true
					merged = append(merged, p)
				}
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			return nil, d.errorf(k, "duplicate key %q in %s (first at line %d)", k.Value, displayPath(path), first)
		}
		seen[k.Value] = k.Line
		explicit = append(explicit, pair{key: k, value: v})
	}
	return append(merged, explicit...), nil
}

// displayPath names the top of the document when path is empty.
func displayPath(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// join appends a key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe names a node's kind for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			return "an empty mapping"
		}
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing (null)"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unsupported node"
}

var (
	nodeType        = reflect.TypeOf(yaml.Node{})
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// apply decodes n onto the addressable value v; path is the key path of n.
func (d decoder) apply(n *yaml.Node, v reflect.Value, path string) error {
	n = resolve(n)
	if v.Type() == nodeType {
		v.Set(reflect.ValueOf(*n))
		return nil
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		return d.leaf(n, v, path)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Tag == "!!null" {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.apply(n, v.Elem(), path)
	case reflect.Struct:
		if n.Tag == "!!null" {
			return nil // "key:" with no value keeps the defaults
		}
		return d.applyStruct(n, v, path)
	case reflect.Map:
		if n.Tag == "!!null" {
			return nil
		}
		return d.applyMap(n, v, path)
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode && needsStrict(v.Type().Elem()) {
			out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
			for i, e := range n.Content {
				if err := d.apply(e, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			v.Set(out)
			return nil
		}
	}
	return d.leaf(n, v, path)
}

// needsStrict says whether values of type t contain mappings that must be checked key by key.
func needsStrict(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct || t.Kind() == reflect.Map
}

// leaf decodes a scalar-like value with yaml.v3, rewriting its error to name the file and key.
func (d decoder) leaf(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.MappingNode && v.Kind() != reflect.Interface && v.Kind() != reflect.Map && v.Kind() != reflect.Struct {
		return d.errorf(n, "%s: want %s, got a mapping", path, typeName(v.Type()))
	}
	if bad := nonFinite(n); bad != nil {
		return d.errorf(bad, "%s: %s is not a finite number", path, bad.Value)
	}
	tmp := reflect.New(v.Type())
	tmp.Elem().Set(v)
	if err := n.Decode(tmp.Interface()); err != nil {
		var te *yaml.TypeError
		msg := err.Error()
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
			if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "line ") && i > 0 {
				msg = msg[i+2:]
			}
		}
		return d.errorf(n, "%s: %s", path, msg)
	}
	v.Set(tmp.Elem())
	return nil
}

// nonFinite returns the first scalar under n that YAML reads as NaN or an infinity (.nan, .inf,
// -.Inf, ...), or nil. No parameter of the harness accepts one, and they cannot be hashed.
func nonFinite(n *yaml.Node) *yaml.Node {
	return nonFiniteIn(n, map[*yaml.Node]bool{})
}

// nonFiniteIn is nonFinite, visiting each node once (aliases may share subtrees).
func nonFiniteIn(n *yaml.Node, seen map[*yaml.Node]bool) *yaml.Node {
	n = resolve(n)
	if n == nil || seen[n] {
		return nil
	}
	seen[n] = true
	if n.Kind == yaml.ScalarNode {
		if n.ShortTag() == "!!float" {
			var f float64
			if n.Decode(&f) == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				return n
			}
		}
		return nil
	}
	for _, c := range n.Content {
		if bad := nonFiniteIn(c, seen); bad != nil {
			return bad
		}
	}
	return nil
}

// typeName names a Go type for error messages in YAML terms.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "a list"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	}
	return t.String()
}

// applyParams decodes a `{kind: ..., params...}` mapping onto a parameter struct, skipping `kind`.
func (d decoder) applyParams(n *yaml.Node, v reflect.Value, path string) error {
	return d.applyStruct(n, v, path, "kind")
}

// applyStruct decodes a mapping onto a struct, field by field, ignoring the keys in skip.
func (d decoder) applyStruct(n *yaml.Node, v reflect.Value, path string, skip ...string) error {
	fields := structFields(v.Type())
	ps, err := d.pairs(n, path)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if slices.Contains(skip, p.key.Value) {
			continue
		}
		index, ok := fields[p.key.Value]
		if !ok {
			return d.errorf(p.key, "unknown key %q in %s (known keys: %s)", p.key.Value, displayPath(path), strings.Join(sortedKeys(fields), ", "))
		}
		f, err := fieldByIndex(v, index)
		if err != nil {
			return d.errorf(p.key, "%s: %v", join(path, p.key.Value), err)
		}
		if err := d.apply(p.value, f, join(path, p.key.Value)); err != nil {
			return err
		}
	}
	return nil
}

// fieldByIndex returns a (possibly nested, through inlined pointers) field, allocating pointers.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	if !v.CanSet() {
		return v, fmt.Errorf("field cannot be set")
	}
	return v, nil
}

// applyMap decodes a mapping onto a map, entry by entry, keeping entries the YAML does not name.
func (d decoder) applyMap(n *yaml.Node, v reflect.Value, path string) error {
	ps, err := d.pairs(n, path)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, p := range ps {
		key := reflect.New(v.Type().Key()).Elem()
		if err := d.leaf(p.key, key, join(path, p.key.Value)); err != nil {
			return err
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			elem.Set(old)
		}
		if err := d.apply(p.value, elem, join(path, p.key.Value)); err != nil {
			return err
		}
		v.SetMapIndex(key, elem)
	}
	return nil
}

// structFields maps the YAML keys of a struct type to field index paths, following yaml.v3's
// rules: the yaml tag's name, else the lower-cased field name; "-" skips; ",inline" flattens.
func structFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, idx := range structFields(ft) {
					out[k] = append([]int{i}, idx...)
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = []int{i}
	}
	return out
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
