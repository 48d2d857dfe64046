package baselines

import (
	"fmt"

	"github.com/behaviorlm/harness/internal/method"
)

// Factories returns a fresh map of the method kinds of this package: "pop", "markov", "gru4rec",
// "sasrec" and "bert4rec". None of them uses a backbone.
func Factories() map[string]method.Factory {
	return map[string]method.Factory{
		"pop":      method.Kind(func() *PopParams { return &PopParams{} }),
		"markov":   method.Kind(DefaultMarkovParams),
		"gru4rec":  method.Kind(DefaultGRU4RecParams),
		"sasrec":   method.Kind(DefaultSASRecParams),
		"bert4rec": method.Kind(DefaultBERT4RecParams),
	}
}

// built returns m, or the validation error err prefixed with the kind's name.
func built(kind string, err error, m method.Method) (method.Method, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return m, nil
}
