package config

import (
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
