package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const claimsConfig = `
datasets:
  syn: {loader: synthetic}
methods:
  a: {kind: fake}
  b: {kind: other}
  c: {kind: fake, lr: 0.5}
experiments:
  e:
    datasets: [syn]
    methods: [a, b, c]
    tail_shots: [5]
    seeds: [1]
    CLAIMS
`

func parseClaims(t *testing.T, claims string) (*Experiment, error) {
	t.Helper()
	c, err := Parse([]byte(strings.Replace(claimsConfig, "CLAIMS", claims, 1)), "experiments.yaml", testRegistry())
	if err != nil {
		return nil, err
	}
	return c.Experiment("e")
}

func TestClaimsParse(t *testing.T) {
	e, err := parseClaims(t, "claims: {method: a, uniform: b, reweighting: [c], classic: [], margin: 0.02}")
	if err != nil {
		t.Fatal(err)
	}
	want := &Claims{Method: "a", Uniform: "b", Reweighting: []string{"c"}, Margin: 0.02, Resamples: 1000, Seed: 1}
	if diff := cmp.Diff(want, e.Claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	// Report-only: the claims key changes no variant's parameters.
	plain, err := parseClaims(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Claims != nil || !cmp.Equal(plain.Variants, e.Variants) {
		t.Error("claims: changed the variants or appeared without the key")
	}
}

func TestClaimsErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unknown key":     "claims: {method: a, baseline: b}",
		"unknown method":  "claims: {method: a, uniform: zz}",
		"not in grid":     "claims: {method: a, classic: [zz]}",
		"no method":       "claims: {uniform: b}",
		"two methods":     "claims: {method: [a, b]}",
		"margin range":    "claims: {method: a, margin: 1.5}",
		"negative margin": "claims: {method: a, margin: -0.1}",
		"few resamples":   "claims: {method: a, resamples: 10}",
		"not a map":       "claims: [a]",
	} {
		if _, err := parseClaims(t, src); err == nil {
			t.Errorf("%s: want an error", name)
		} else if !strings.Contains(err.Error(), "claims") {
			t.Errorf("%s: error %q does not name the key", name, err)
		}
	}
}
