package engine

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestSimpleGoOptions(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "parallelism=-1"},
		{"dotgeneral_small", "dotgeneral_small,parallelism=-1"},
		{"parallelism=2", "parallelism=2"},
		{"ops_sequential", "ops_sequential"},
		{"dotgeneral_large,ops_parallel", "dotgeneral_large,ops_parallel"},
	} {
		if got := SimpleGoOptions(tc.in); got != tc.want {
			t.Errorf("SimpleGoOptions(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNew(t *testing.T) {
	t.Setenv(EnvBackend, "")
	b, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if d := Describe(b); !strings.Contains(d, "go:parallelism=-1") {
		t.Errorf("Describe(default) = %q, want it to name go:parallelism=-1", d)
	}
	b.Finalize()

	t.Setenv(EnvBackend, "go:ops_sequential")
	b, err = New("")
	if err != nil {
		t.Fatal(err)
	}
	if d := Describe(b); !strings.Contains(d, "go:ops_sequential") || strings.Contains(d, "parallelism") {
		t.Errorf("Describe($GOMLX_BACKEND=go:ops_sequential) = %q", d)
	}
	b.Finalize()

	if _, err := New("tpu-magic"); err == nil {
		t.Error("New(unknown) returned no error")
	}
	if _, err := New("go:no_such_option"); err == nil {
		t.Error("New(go:no_such_option) returned no error")
	}
}

func TestNewXLAWithoutPlugin(t *testing.T) {
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir()) // Hermetic: an empty plugin directory.
	t.Setenv("LD_LIBRARY_PATH", "")
	for _, spec := range []string{"xla", "xla:cpu", "xla:cuda"} {
		_, err := New(spec)
		if err == nil {
			t.Fatalf("New(%q) with no plugin installed returned no error", spec)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "PJRT") {
			t.Errorf("New(%q) error should be one line naming PJRT and how to install: %q", spec, msg)
		}
		t.Logf("New(%q): %v", spec, err)
	}
}

func TestSeedContext(t *testing.T) {
	b := testBackend(t)
	draw := func(seed uint64) []float32 {
		ctx := context.New()
		SeedContext(ctx, seed)
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, g *graph.Graph) *graph.Node {
			w := ctx.VariableWithShape("w", shapes.Make(dtypes.Float32, 4)).ValueGraph(g)
			return graph.Concatenate([]*graph.Node{w, ctx.RandomUniform(g, shapes.Make(dtypes.Float32, 4))}, 0)
		})
		out, err := e.Exec()
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	a, a2, c := draw(1), draw(1), draw(2)
	for i := range a {
		if a[i] != a2[i] {
			t.Fatalf("same seed gave different values: %v vs %v", a, a2)
		}
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Errorf("seeds 1 and 2 gave identical values %v", a)
	}
}
