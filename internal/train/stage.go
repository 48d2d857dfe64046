package train

import (
	"fmt"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/results"
)

// Stage is one training stage of a method, run by RunStage.
type Stage struct {
	// Name names the stage in progress lines, errors and the result file ("train", "finetune",
	// "stage1").
	Name string
	// InfoPrefix goes before the info keys: "" for a method's only training stage, "stage1_" for
	// one of several.
	InfoPrefix string
	// Ctx holds the model's variables (seeded by the caller with engine.SeedContext); Model and
	// NumClasses are Fit's.
	Ctx        *context.Context
	Model      ModelFn
	NumClasses int
	// Params are the stage's training options.
	Params Params
	// Train and TrainLabels are the encoded training examples.
	Train       Inputs
	TrainLabels []int32
	// Valid is the validation split: RunStage validates on its first Params.ValidSamples samples
	// (all when 0), encoded with Encode.
	Valid  []datasets.Sample
	Encode func([]datasets.Sample) (Inputs, []int32)
	// Loss, Resample and Trainable are Fit's (Config).
	Loss      Loss
	Resample  bool
	Trainable func(scope string) bool
}

// RunStage trains one stage with Fit: it checks for cancellation, cuts the validation subset,
// stops promptly when env.Ctx is cancelled, logs one progress line per evaluation, and returns
// the timed stage record (with its validation curve). When info is not nil it also records the
// Info* keys there, prefixed by s.InfoPrefix.
func RunStage(env method.Env, s Stage, info map[string]float64) (method.Stage, *Result, error) {
	if err := env.Err(); err != nil {
		return method.Stage{}, nil, fmt.Errorf("cancelled before %s: %w", s.Name, err)
	}
	if s.Train.N == 0 {
		return method.Stage{}, nil, fmt.Errorf("%s: no training samples", s.Name)
	}
	valid := s.Valid
	if s.Params.ValidSamples > 0 && len(valid) > s.Params.ValidSamples {
		valid = valid[:s.Params.ValidSamples]
	}
	validIn, validLabels := s.Encode(valid)
	cfg := s.Params.Config()
	cfg.Resample, cfg.Seed, cfg.Loss, cfg.Trainable = s.Resample, env.Seed, s.Loss, s.Trainable
	if env.Ctx != nil {
		cfg.Stop = env.Ctx.Err // stop training promptly on SIGINT
	}
	cfg.Progress = func(p Progress) { env.Log("%s", p.Report(s.Name)) }
	env.Log("%s: training on %d samples (%d valid)", s.Name, s.Train.N, validIn.N)
	start := time.Now()
	res, err := Fit(env.Backend, s.Ctx, s.Model, s.NumClasses, s.Train, s.TrainLabels, validIn, validLabels, cfg)
	if err != nil {
		return method.Stage{}, nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	st := method.Stage{Name: s.Name, Seconds: time.Since(start).Seconds(), Steps: res.Steps, FinalLoss: results.Float(res.FinalTrainLoss)}
	for _, p := range res.Curve {
		st.Curve = append(st.Curve, results.CurvePoint{Step: p.Step, TrainLoss: results.Float(p.TrainLoss),
			ValidLoss: results.Float(p.ValidLoss), ValidAcc: results.Float(p.ValidAcc)})
	}
	if info != nil {
		stopped := 0.0
		if res.StoppedEarly {
			stopped = 1
		}
		for k, v := range map[string]float64{
			results.InfoTrainSamples: float64(s.Train.N), results.InfoValidSamples: float64(validIn.N), results.InfoBestValidLoss: res.MinValidLoss,
			results.InfoSelectedStep: float64(res.BestStep), results.InfoSelectedValidLoss: res.BestValidLoss, results.InfoSelectedAcc: res.BestValidAcc,
			results.InfoStoppedEarly: stopped, results.InfoPlannedSteps: float64(res.PlannedSteps),
		} {
			info[s.InfoPrefix+k] = v
		}
	}
	return st, res, nil
}
