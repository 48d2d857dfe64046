package main

import (
	"fmt"
	"os"

	"github.com/gomlx/gomlx/backends"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/experiments"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/results"
)

// registry returns every method and backbone kind of the harness.
func registry() (config.Registry, error) {
	reg := config.Registry{Methods: map[string]method.Factory{}, Backbones: map[string]method.BackboneFactory{}}
	for _, fs := range []map[string]method.Factory{baselines.Factories(), experiments.Factories()} {
		for kind, f := range fs {
			if _, dup := reg.Methods[kind]; dup {
				return reg, fmt.Errorf("method kind %q is defined twice", kind)
			}
			reg.Methods[kind] = f
		}
	}
	for kind, f := range experiments.BackboneFactories() {
		reg.Backbones[kind] = f
	}
	return reg, nil
}

// defaultDeps connects the runner to the real methods, backends and git.
func defaultDeps() (deps, error) {
	reg, err := registry()
	if err != nil {
		return deps{}, err
	}
	return deps{
		registry: reg,
		newBackend: func(spec string) (backends.Backend, string, error) {
			b, err := engine.New(spec)
			if err != nil {
				return nil, "", err
			}
			return b, engine.Describe(b), nil
		},
		env:   results.CurrentEnv,
		chdir: os.Chdir,
	}, nil
}
