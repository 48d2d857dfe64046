package train

import (
	gocontext "context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// encodeTargets encodes samples as synthData would a sample of their target class, and counts
// the samples it was given.
func encodeTargets(count *int) func([]datasets.Sample) (Inputs, []int32) {
	return func(s []datasets.Sample) (Inputs, []int32) {
		*count = len(s)
		ids := make([]int32, len(s)*seqLen)
		for i, x := range s {
			ids[i*seqLen] = x.Target * perCls
		}
		return Inputs{N: len(s), Arrays: []Array{{Shape: []int{seqLen}, Data: ids}}}, datasets.Targets(s)
	}
}

func TestRunStage(t *testing.T) {
	in, labels := synthData(64, 3, 1, nil)
	valid := make([]datasets.Sample, 50)
	for i := range valid {
		valid[i].Target = int32(i % 3)
	}
	var encoded int
	var lines []string
	env := method.Env{Backend: testBackend(t), Seed: 1, Logf: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }}
	s := Stage{Name: "s", InfoPrefix: "s_", Ctx: newCtx(1), Model: mlpModel(3, 0), NumClasses: 3,
		Params: Params{MaxSteps: 6, BatchSize: 16, LR: 0.01, Schedule: ScheduleConstant, EvalEvery: 2, ValidSamples: 20},
		Train:  in, TrainLabels: labels, Valid: valid, Encode: encodeTargets(&encoded)}
	info := map[string]float64{}
	st, res, err := RunStage(env, s, info)
	if err != nil {
		t.Fatal(err)
	}
	if encoded != 20 {
		t.Errorf("validated on %d samples, want ValidSamples = 20", encoded)
	}
	if st.Name != "s" || st.Steps != 6 || float64(st.FinalLoss) != res.FinalTrainLoss {
		t.Errorf("stage %+v, want name s, 6 steps, final loss %v", st, res.FinalTrainLoss)
	}
	if len(st.Curve) != 3 {
		t.Fatalf("curve has %d points, want 3 (steps 2, 4, 6)", len(st.Curve))
	}
	for i, p := range st.Curve {
		if p.Step != 2*(i+1) || float64(p.ValidLoss) != res.Curve[i].ValidLoss || float64(p.ValidAcc) != res.Curve[i].ValidAcc {
			t.Errorf("curve point %d = %+v, want step %d and Fit's %+v", i, p, 2*(i+1), res.Curve[i])
		}
	}
	want := map[string]float64{"s_train_samples": 64, "s_valid_samples": 20, "s_best_valid_loss": res.MinValidLoss,
		"s_selected_step": float64(res.BestStep), "s_selected_valid_loss": res.BestValidLoss, "s_selected_acc": res.BestValidAcc, "s_stopped_early": 0, "s_planned_steps": 6}
	if len(info) != len(want) {
		t.Errorf("info has keys %v, want %v", info, want)
	}
	for k, v := range want {
		if got, ok := info[k]; !ok || got != v {
			t.Errorf("info[%s] = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "s: step 2/6 train loss ") {
		t.Errorf("progress lines %q, want a start line and one per evaluation", lines)
	}

	// A cancelled run stops before training, and the error says why.
	ctx, cancel := gocontext.WithCancel(gocontext.Background())
	cancel()
	env.Ctx, env.Logf = ctx, nil
	if _, _, err := RunStage(env, s, nil); !errors.Is(err, gocontext.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

// TestAdamWDecayRule checks the decay rule by hand: with zero gradients the moments stay zero, so
// one step only multiplies the decayed variables (rank >= 2) by 1 - lr·WeightDecay and leaves
// the others (a bias) as they are.
func TestAdamWDecayRule(t *testing.T) {
	b := testBackend(t)
	const lr, wd = 0.5, 0.1
	decayed := float32(1) - float32(lr)*float32(wd)
	{
		ctx := context.New()
		w := ctx.VariableWithValue("w", [][]float32{{1, 1}, {1, 1}})
		bias := ctx.VariableWithValue("b", []float32{1, 1})
		opt := AdamW{Scope: "/adamw_test", WeightDecay: wd}
		exec, err := context.NewExec(b, ctx, func(ctx *context.Context, in []*graph.Node) *graph.Node {
			vars := []*context.Variable{w, bias}
			grads := []*graph.Node{graph.ZerosLike(w.ValueGraph(in[0].Graph())), graph.ZerosLike(bias.ValueGraph(in[0].Graph()))}
			opt.Update(ctx, vars, grads, in[0], in[1], in[2])
			return in[0]
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec.Exec(opt.StepInputs(lr, 0)...); err != nil {
			t.Fatal(err)
		}
		exec.Finalize()
		for _, v := range []struct {
			v    *context.Variable
			want float32
		}{{w, decayed}, {bias, 1}} {
			val, err := v.v.Value()
			if err != nil {
				t.Fatal(err)
			}
			for i, got := range tensors.MustCopyFlatData[float32](val) {
				if got != v.want {
					t.Errorf("%s[%d] = %v, want %v", v.v.Name(), i, got, v.want)
				}
			}
		}
	}
}
