package method

import (
	"strings"
	"testing"

	"github.com/behaviorlm/harness/datasets"
)

type testParams struct{ N int }

type testMethod struct{ n int }

func (m testMethod) Run(Env, *datasets.Task) (*Output, error) { return nil, nil }

func (p *testParams) Build(backbones map[string]any) (Method, error) {
	return testMethod{n: p.N + len(backbones)}, nil
}

func TestKind(t *testing.T) {
	f := Kind(func() *testParams { return &testParams{N: 2} })
	params := f.Params()
	p, ok := params.(*testParams)
	if !ok || p.N != 2 {
		t.Fatalf("Params() = %#v, want the defaults *testParams{N: 2}", params)
	}
	p.N = 5
	m, err := f.New(params, map[string]any{"a": nil})
	if err != nil || m != (testMethod{n: 6}) {
		t.Errorf("New = %v, %v; want the method Build made from the decoded parameters", m, err)
	}
	if _, err := f.New(&struct{}{}, nil); err == nil || !strings.Contains(err.Error(), "want *method.testParams") {
		t.Errorf("New with the wrong parameter type: err %v", err)
	}
	if f.Params().(*testParams) == p {
		t.Error("Params returned the same struct twice, want a fresh one per call")
	}
}

func TestEnvLogAndErrWithoutHooks(t *testing.T) {
	var e Env
	e.Log("nothing to print %d", 1) // must not panic
	if e.Err() != nil {
		t.Errorf("Err() = %v without Ctx, want nil", e.Err())
	}
	var got string
	e.Logf = func(f string, a ...any) { got = f }
	e.Log("x")
	if got != "x" {
		t.Errorf("Log did not reach Logf")
	}
}
