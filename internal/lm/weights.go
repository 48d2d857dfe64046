package lm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/hf/safetensors"
	"github.com/behaviorlm/harness/internal/nn"
)

// A weights file is a safetensors file (written and read by internal/hf, the format of Hugging
// Face checkpoints): one F32 tensor per variable, named by its scope and name, and in the header's
// metadata the cache key (weightsKey), the pretraining summary as JSON (weightsResult) and the
// SHA-256 of the tensor values in name order (weightsSum). A file that fails any check is
// rejected.
const (
	weightsKey    = "behaviorlm_cache_key"
	weightsResult = "behaviorlm_pretrain_result"
	weightsSum    = "behaviorlm_sha256"
)

// Weights are named float32 tensors (variable scope-and-name -> values).
type Weights struct {
	Names  []string
	Shapes [][]int
	Values [][]float32
}

// ModelWeights copies the values of the model's variables (scope /lm, LoRA adapters excluded) out
// of ctx, sorted by name.
func ModelWeights(ctx *context.Context) (*Weights, error) {
	type nv struct {
		name string
		v    *context.Variable
	}
	var vars []nv
	prefix := context.RootScope + Scope
	for v := range ctx.IterVariables() {
		sn := v.ScopeAndName()
		if (v.Scope() == prefix || strings.HasPrefix(v.Scope(), prefix+context.ScopeSeparator)) && !nn.IsLoRAVariable(sn) {
			vars = append(vars, nv{sn, v})
		}
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("lm: no model variables under %s", prefix)
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].name < vars[j].name })
	w := &Weights{}
	for _, x := range vars {
		if x.v.DType() != dtypes.Float32 {
			return nil, fmt.Errorf("lm: variable %s is %s, want Float32", x.name, x.v.DType())
		}
		t, err := x.v.Value()
		if err != nil {
			return nil, fmt.Errorf("lm: reading variable %s: %w", x.name, err)
		}
		vals, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("lm: reading variable %s: %w", x.name, err)
		}
		w.Names = append(w.Names, x.name)
		w.Shapes = append(w.Shapes, x.v.Shape().Dimensions)
		w.Values = append(w.Values, vals)
	}
	return w, nil
}

// Install creates (or overwrites) the variables of w in ctx.
func (w *Weights) Install(ctx *context.Context) error {
	for i, name := range w.Names {
		scope, vn := context.SplitScope(name)
		if scope == "" {
			return fmt.Errorf("lm: weight name %q has no scope", name)
		}
		t := tensors.FromFlatDataAndDimensions(append([]float32(nil), w.Values[i]...), w.Shapes[i]...)
		if v := ctx.GetVariableByScopeAndName(scope, vn); v != nil {
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("lm: setting variable %s: %w", name, err)
			}
			continue
		}
		ctx.InAbsPath(scope).Checked(false).VariableWithValue(vn, t)
	}
	return nil
}

// valuesSum returns the hex SHA-256 of the tensors' float32 values (little endian), in order.
func valuesSum(values [][]float32) string {
	h := sha256.New()
	b4 := make([]byte, 4)
	for _, vals := range values {
		for _, f := range vals {
			binary.LittleEndian.PutUint32(b4, math.Float32bits(f))
			h.Write(b4)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeWeights writes w (sorted by name, as ModelWeights returns it) under key to path atomically
// (safetensors.Write writes a temporary file and renames it), so a reader never sees a partial
// file.
func writeWeights(path, key string, res PretrainResult, w *Weights) error {
	rj, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("lm: encoding the pretraining summary: %w", err)
	}
	ts := make([]safetensors.NamedTensor, len(w.Names))
	for i, n := range w.Names {
		if i > 0 && n <= w.Names[i-1] {
			return fmt.Errorf("lm: writing %s: weights are not sorted by name (%s after %s)", path, n, w.Names[i-1])
		}
		ts[i] = safetensors.NamedTensor{Name: n, Shape: w.Shapes[i], Data: w.Values[i]}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lm: creating cache directory %s: %w", dir, err)
	}
	meta := map[string]string{weightsKey: key, weightsResult: string(rj), weightsSum: valuesSum(w.Values)}
	if err := safetensors.Write(path, ts, meta); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	return nil
}

// readWeights reads a weights file written under key; any mismatch or corruption is an error.
func readWeights(path, key string) (*Weights, *PretrainResult, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, err
	}
	sf, err := safetensors.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if got := sf.Metadata[weightsKey]; got != key {
		return nil, nil, fmt.Errorf("%s: written for key %q, want %s", path, got, key)
	}
	var res PretrainResult
	if err := json.Unmarshal([]byte(sf.Metadata[weightsResult]), &res); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", path, weightsResult, err)
	}
	w := &Weights{}
	for _, name := range sf.Names() {
		info := sf.Tensors[name]
		if info.DType != "F32" {
			return nil, nil, fmt.Errorf("%s: tensor %s is %s, want F32", path, name, info.DType)
		}
		vals, err := sf.ReadFloat32(name)
		if err != nil {
			return nil, nil, err
		}
		w.Names = append(w.Names, name)
		w.Shapes = append(w.Shapes, info.Shape)
		w.Values = append(w.Values, vals)
	}
	if got := valuesSum(w.Values); got != sf.Metadata[weightsSum] {
		return nil, nil, fmt.Errorf("%s: checksum mismatch (corrupt file)", path)
	}
	return w, &res, nil
}
