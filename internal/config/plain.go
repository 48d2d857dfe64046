package config

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Plain converts a parameter struct into plain maps, lists and scalars keyed by its YAML names
// (a round trip through YAML), so it can be recorded in result files and hashed: two parameter
// values with equal Plain forms configure a method identically.
func Plain(params any) (any, error) {
	b, err := yaml.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encode parameters %T: %w", params, err)
	}
	var out any
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode parameters %T: %w", params, err)
	}
	if m, ok := out.(map[string]any); ok {
		lineBreakStrings(reflect.ValueOf(params), m, func(field reflect.Value, key string, m map[string]any) {
			m[key] = field.String()
		})
	}
	return out, nil
}

// FromPlain is the inverse of Plain: it decodes a plain value (as Plain returns it, or as a
// result file records it) onto the parameter struct dst points to, rejecting unknown keys.
func FromPlain(plain, dst any) error {
	b, err := yaml.Marshal(plain)
	if err != nil {
		return fmt.Errorf("encode plain parameters: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("decode parameters onto %T: %w", dst, err)
	}
	if m, ok := plain.(map[string]any); ok {
		lineBreakStrings(reflect.ValueOf(dst), m, func(field reflect.Value, key string, m map[string]any) {
			if s, ok := m[key].(string); ok && onlyLineBreaks(s) && field.CanSet() {
				field.SetString(s)
			}
		})
	}
	return nil
}

// lineBreakStrings works around a yaml.v3 round-trip loss: a string made only of "\n" is written
// as a literal block ("|4+") that reads back as "" ("\n\n" as "\n"), so the hf backbone's name
// suffix "\n" would be recorded, hashed and repeated as "". It calls fix for every string field of
// the struct v (through pointers, nested and inline structs, by YAML key into the plain mapping m)
// that either side holds as such a string; Plain and FromPlain then copy the exact value across.
// Strings inside lists and maps are not visited (no parameter struct has such a value).
func lineBreakStrings(v reflect.Value, m map[string]any, fix func(field reflect.Value, key string, m map[string]any)) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fv := v.Field(i)
		switch {
		case strings.Contains(opts, "inline"):
			lineBreakStrings(fv, m, fix)
		case fv.Kind() == reflect.String:
			plain, _ := m[name].(string)
			if onlyLineBreaks(fv.String()) || onlyLineBreaks(plain) {
				fix(fv, name, m)
			}
		default:
			if sub, ok := m[name].(map[string]any); ok {
				lineBreakStrings(fv, sub, fix)
			}
		}
	}
}

// onlyLineBreaks reports whether s is one or more "\n" and nothing else.
func onlyLineBreaks(s string) bool { return s != "" && strings.Trim(s, "\n") == "" }
