package method

import (
	"fmt"
	"strings"
	"time"
)

// Progress is one progress report of a training stage. Every method prints its stages' progress
// through Progress.String, so the lines of classic models, LM pretraining and LM fine-tuning read
// the same:
//
//	gru4rec: step 300/800 train loss 3.1416 valid loss 3.3000 acc 0.2100, elapsed 12s, ETA 20s
//	gru4rec: step 500/800 train loss 2.9000 valid loss 3.3100 acc 0.2050, elapsed 20s; early stop: no lower valid loss for 3 evaluations (300 of 800 steps not run)
//	pretrain: step 150/400 train loss 2.5000, elapsed 30s, ETA 50s (5120 tokens/s)
type Progress struct {
	Stage       string
	Step, Steps int
	// TrainLoss is the mean training loss since the previous report.
	TrainLoss float64
	// Valid says that ValidLoss (cross-entropy) and ValidAcc (top-1 accuracy) were measured.
	Valid               bool
	ValidLoss, ValidAcc float64
	Elapsed, ETA        time.Duration
	// Patience > 0 with EarlyStop: training stops at this report, after Patience evaluations
	// without a lower validation loss.
	EarlyStop bool
	Patience  int
	// Note is appended in parentheses (e.g. throughput).
	Note string
}

// String formats the report as one line.
func (p Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: step %d/%d train loss %.4f", p.Stage, p.Step, p.Steps, p.TrainLoss)
	if p.Valid {
		fmt.Fprintf(&b, " valid loss %.4f acc %.4f", p.ValidLoss, p.ValidAcc)
	}
	fmt.Fprintf(&b, ", elapsed %s", p.Elapsed.Round(time.Second))
	if p.EarlyStop {
		fmt.Fprintf(&b, "; early stop: no lower valid loss for %d evaluations (%d of %d steps not run)", p.Patience, p.Steps-p.Step, p.Steps)
	} else {
		fmt.Fprintf(&b, ", ETA %s", p.ETA.Round(time.Second))
	}
	if p.Note != "" {
		fmt.Fprintf(&b, " (%s)", p.Note)
	}
	return b.String()
}
