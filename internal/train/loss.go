package train

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// ClassBalancedWeights returns the class-balanced loss weights of Cui et al. (2019) for the
// training counts: w_c = (1-beta) / (1-beta^n_c), normalised so that they sum to the number of
// classes with n_c > 0. Classes with no training examples get weight 0 (they never are targets).
func ClassBalancedWeights(counts []int, beta float64) ([]float64, error) {
	if !(beta > 0 && beta < 1) {
		return nil, fmt.Errorf("class-balanced loss: Beta must be in (0, 1), got %g", beta)
	}
	w := make([]float64, len(counts))
	var sum float64
	present := 0
	for c, n := range counts {
		if n < 0 {
			return nil, fmt.Errorf("class-balanced loss: negative count %d for class %d", n, c)
		}
		if n == 0 {
			continue
		}
		w[c] = (1 - beta) / (1 - math.Pow(beta, float64(n)))
		sum += w[c]
		present++
	}
	if present == 0 {
		return nil, fmt.Errorf("class-balanced loss: all class counts are zero")
	}
	for c := range w {
		w[c] *= float64(present) / sum
	}
	return w, nil
}

// LogitAdjustOffsets returns the logit-adjustment offsets of Menon et al. (2021):
// tau * log(prior_c), prior_c = n_c / sum(n). Zero counts are treated as 0.5 (so the offset stays
// finite) before normalising.
func LogitAdjustOffsets(counts []int, tau float64) ([]float64, error) {
	if !(tau > 0) {
		return nil, fmt.Errorf("logit-adjust loss: Tau must be > 0, got %g", tau)
	}
	var total float64
	adj := make([]float64, len(counts))
	for c, n := range counts {
		if n < 0 {
			return nil, fmt.Errorf("logit-adjust loss: negative count %d for class %d", n, c)
		}
		adj[c] = float64(n)
		if n == 0 {
			adj[c] = 0.5
		}
		total += adj[c]
	}
	for c := range adj {
		adj[c] = tau * math.Log(adj[c]/total)
	}
	return adj, nil
}

// lossSetup is a validated Loss, ready for graph building and for host-side example weights.
type lossSetup struct {
	kind         string
	gamma        float64
	classWeights []float64 // class-balanced only
	offsets      []float32 // logit-adjust only
}

func newLossSetup(l Loss, numClasses int) (*lossSetup, error) {
	s := &lossSetup{kind: l.Kind}
	if s.kind == "" {
		s.kind = LossCE
	}
	needCounts := func() error {
		if len(l.ClassCounts) != numClasses {
			return fmt.Errorf("%s loss: ClassCounts has %d entries, want numClasses=%d", s.kind, len(l.ClassCounts), numClasses)
		}
		return nil
	}
	switch s.kind {
	case LossCE:
	case LossFocal:
		if !(l.Gamma >= 0) {
			return nil, fmt.Errorf("focal loss: Gamma must be >= 0, got %g", l.Gamma)
		}
		s.gamma = l.Gamma
	case LossClassBalanced:
		if err := needCounts(); err != nil {
			return nil, err
		}
		w, err := ClassBalancedWeights(l.ClassCounts, l.Beta)
		if err != nil {
			return nil, err
		}
		s.classWeights = w
	case LossLogitAdjust:
		if err := needCounts(); err != nil {
			return nil, err
		}
		off, err := LogitAdjustOffsets(l.ClassCounts, l.Tau)
		if err != nil {
			return nil, err
		}
		s.offsets = make([]float32, len(off))
		for c, o := range off {
			s.offsets[c] = float32(o)
		}
	default:
		return nil, fmt.Errorf("loss: unknown Kind %q (want %q, %q, %q or %q)", l.Kind, LossCE, LossClassBalanced, LossFocal, LossLogitAdjust)
	}
	return s, nil
}

// exampleWeight is the loss weight of a real (unpadded) example with the given label.
func (s *lossSetup) exampleWeight(label int32) float32 {
	if s.classWeights != nil {
		return float32(s.classWeights[label])
	}
	return 1
}

// graph builds the training loss: sum_i weights_i * loss_i * invDenom, where loss_i is the
// (focal-modulated) cross-entropy of example i on logits (+ the logit-adjust offsets).
func (s *lossSetup) graph(logits, labels, weights, invDenom *graph.Node) *graph.Node {
	g := logits.Graph()
	numClasses := logits.Shape().Dimensions[1]
	if s.offsets != nil {
		off := graph.Const(g, s.offsets)
		logits = graph.Add(logits, graph.Reshape(off, 1, numClasses))
	}
	logp := graph.LogSoftmax(logits, -1)
	target := graph.OneHot(labels, numClasses, dtypes.Float32)
	terms := graph.Mul(target, graph.Neg(logp))
	if s.kind == LossFocal {
		terms = graph.Mul(terms, graph.PowScalar(graph.OneMinus(graph.Exp(logp)), s.gamma))
	}
	perExample := graph.ReduceSum(terms, -1)
	return graph.Mul(graph.ReduceAllSum(graph.Mul(perExample, weights)), invDenom)
}

// CrossEntropy returns the cross-entropy -log softmax(logits)[label] of one row of logits, and
// whether the arg-max equals label (ties resolved to the lowest index), computed in float64 on the
// host.
func CrossEntropy(logits []float32, label int32) (loss float64, correct bool) {
	maxV := math.Inf(-1)
	arg := 0
	for c, v := range logits {
		if float64(v) > maxV {
			maxV, arg = float64(v), c
		}
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - maxV)
	}
	return maxV + math.Log(sum) - float64(logits[label]), arg == int(label)
}
