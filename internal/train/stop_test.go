package train

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestStopInterruptsFit(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(64, numClasses, 5, nil)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	stop := func() error {
		calls++
		if calls == 4 { // cancel before the 4th step
			cancel()
		}
		return ctx.Err()
	}
	_, err := Fit(b, newCtx(1), mlpModel(numClasses, 0), numClasses, train, labels, Inputs{}, nil,
		Config{MaxSteps: 50, BatchSize: 16, LR: 1e-3, Stop: stop})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fit with a cancelled Stop: got %v, want an error wrapping context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "stopped at step 3 of 50") {
		t.Errorf("error %q does not name the step", err)
	}
	if calls != 4 {
		t.Errorf("Stop called %d times, want 4 (once per step until it fails)", calls)
	}
}
