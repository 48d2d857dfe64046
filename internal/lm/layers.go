package lm

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/nn"
)

// Building blocks of the transformer come from internal/nn. Initialisation follows GPT-2:
// embeddings and projections N(0, 0.02), the projections that write into the residual stream
// N(0, 0.02/sqrt(2·layers)), biases zero, layer-norm gain one and offset zero.

// initStd is the standard deviation of the embedding and projection initialisation.
const initStd = 0.02

// LoRA configures the model's low-rank adapters (see nn.LoRA).
type LoRA = nn.LoRA

// table returns the N(0, initStd) [rows, dim] variable "embeddings" of ctx's scope.
func table(ctx *context.Context, g *graph.Graph, rows, dim int) *graph.Node {
	return nn.Matrix(ctx, g, "embeddings", rows, dim, nn.Normal(initStd))
}
