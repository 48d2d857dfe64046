package config

import (
	"bytes"
	"fmt"

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
	return nil
}
