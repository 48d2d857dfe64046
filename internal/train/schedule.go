package train

import "math"

// Learning-rate schedules.
const (
	ScheduleCosine   = "cosine"
	ScheduleLinear   = "linear"
	ScheduleConstant = "constant"
)

// LearningRate returns the learning rate of step (0-based) out of total under schedule: linear
// warmup over the first warmup steps to base, then cosine or linear decay towards 0 at total, or
// constant.
func LearningRate(schedule string, base float64, warmup, step, total int) float64 {
	if step < warmup {
		return base * float64(step+1) / float64(warmup)
	}
	progress := float64(step-warmup) / float64(max(1, total-warmup))
	switch schedule {
	case ScheduleLinear:
		return base * (1 - progress)
	case ScheduleConstant:
		return base
	default:
		return base * 0.5 * (1 + math.Cos(math.Pi*progress))
	}
}

// Steps returns the batch size, the steps per epoch and the total number of steps of training n
// examples in batches of batchSize (capped at n; the last batch of an epoch may be short) for
// epochs epochs, capped at maxSteps when maxSteps > 0 (epochs == 0 runs maxSteps steps).
func Steps(n, batchSize, epochs, maxSteps int) (batch, perEpoch, total int) {
	batch = min(batchSize, n)
	perEpoch = (n + batch - 1) / batch
	total = epochs * perEpoch
	if maxSteps > 0 && (total == 0 || maxSteps < total) {
		total = maxSteps
	}
	return batch, perEpoch, total
}
