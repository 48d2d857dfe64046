package method

import (
	"testing"
	"time"
)

func TestProgressString(t *testing.T) {
	for _, c := range []struct {
		p    Progress
		want string
	}{
		{Progress{Stage: "gru4rec", Step: 300, Steps: 800, TrainLoss: 3.14159, Valid: true, ValidLoss: 3.3, ValidAcc: 0.21, Elapsed: 12 * time.Second, ETA: 20 * time.Second},
			"gru4rec: step 300/800 train loss 3.1416 valid loss 3.3000 acc 0.2100, elapsed 12s, ETA 20s"},
		{Progress{Stage: "gru4rec", Step: 500, Steps: 800, TrainLoss: 2.9, Valid: true, ValidLoss: 3.31, ValidAcc: 0.205, Elapsed: 20 * time.Second, EarlyStop: true, Patience: 3},
			"gru4rec: step 500/800 train loss 2.9000 valid loss 3.3100 acc 0.2050, elapsed 20s; early stop: no lower valid loss for 3 evaluations (300 of 800 steps not run)"},
		{Progress{Stage: "pretrain", Step: 150, Steps: 400, TrainLoss: 2.5, Elapsed: 30 * time.Second, ETA: 50 * time.Second, Note: "5120 tokens/s"},
			"pretrain: step 150/400 train loss 2.5000, elapsed 30s, ETA 50s (5120 tokens/s)"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
