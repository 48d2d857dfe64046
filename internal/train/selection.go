package train

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Model-selection rules (Config.Select).
const (
	SelectLoss = "loss"
	SelectAcc  = "acc"
)

// selector does the model selection and early stopping of one Fit over its validation
// evaluations.
type selector struct {
	rule     string // SelectLoss ("" too) or SelectAcc
	patience int
	// bestLoss is the lowest validation loss so far (what patience watches); bestAcc the accuracy
	// of the selected evaluation.
	bestLoss, bestAcc float64
	sinceBest         int
}

func newSelector(rule string, patience int) *selector {
	return &selector{rule: rule, patience: patience, bestLoss: math.Inf(1), bestAcc: -1}
}

// observe records one evaluation's validation loss and accuracy. It reports whether the
// evaluation is the new selected one (the lowest loss, or with SelectAcc the highest accuracy, the
// first on ties) and whether early stopping says stop (patience evaluations in a row without a
// lower loss).
func (s *selector) observe(loss, acc float64) (selected, stop bool) {
	selected = loss < s.bestLoss
	if s.rule == SelectAcc {
		selected = acc > s.bestAcc
	}
	if selected {
		s.bestAcc = acc
	}
	if loss < s.bestLoss {
		s.bestLoss, s.sinceBest = loss, 0
	} else {
		s.sinceBest++
		stop = s.patience > 0 && s.sinceBest >= s.patience
	}
	return selected, stop
}

// snapshot returns host copies of the variables' values.
func snapshot(vars []*context.Variable) (map[*context.Variable]*tensors.Tensor, error) {
	snap := make(map[*context.Variable]*tensors.Tensor, len(vars))
	for _, v := range vars {
		val, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		c, err := val.LocalClone()
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		snap[v] = c
	}
	return snap, nil
}

// restore sets the variables to the values of a snapshot.
func restore(snap map[*context.Variable]*tensors.Tensor) error {
	for v, t := range snap {
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
	}
	return nil
}
