package lm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
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

	"github.com/behaviorlm/harness/internal/nn"
)

// Weights file format (little endian): the magic line, a uint32 header length, the JSON header
// (cache key, result summary, variable names and shapes), the float32 values of every variable in
// header order, and a SHA-256 of everything before it. A file that fails any check is rejected.
const weightsMagic = "BEHAVIORLM-WEIGHTS-1\n"

type weightsHeader struct {
	Key    string           `json:"key"`
	Result PretrainResult   `json:"result"`
	Vars   []weightsVarDesc `json:"vars"`
}

type weightsVarDesc struct {
	Name  string `json:"name"` // scope and name, e.g. /lm/block_0/ffn1/weights
	Shape []int  `json:"shape"`
}

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

// writeWeights writes w under key to path atomically (a temporary file in the same directory,
// then a rename), so a reader never sees a partial file.
func writeWeights(path, key string, res PretrainResult, w *Weights) error {
	hdr := weightsHeader{Key: key, Result: res}
	for i, n := range w.Names {
		hdr.Vars = append(hdr.Vars, weightsVarDesc{Name: n, Shape: w.Shapes[i]})
	}
	hj, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("lm: encoding weights header: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(weightsMagic)
	_ = binary.Write(&buf, binary.LittleEndian, uint32(len(hj)))
	buf.Write(hj)
	b4 := make([]byte, 4)
	for _, vals := range w.Values {
		for _, f := range vals {
			binary.LittleEndian.PutUint32(b4, math.Float32bits(f))
			buf.Write(b4)
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lm: creating cache directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("lm: writing %s: %w", path, err)
	}
	_, werr := tmp.Write(buf.Bytes())
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("lm: writing %s: %w", path, werr)
	}
	return nil
}

// readWeights reads a weights file written under key; any mismatch or corruption is an error.
func readWeights(path, key string) (*Weights, *PretrainResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(data) < len(weightsMagic)+4+sha256.Size || string(data[:len(weightsMagic)]) != weightsMagic {
		return nil, nil, fmt.Errorf("%s: not a weights file (bad magic or too short)", path)
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, nil, fmt.Errorf("%s: checksum mismatch (corrupt file)", path)
	}
	rest := body[len(weightsMagic):]
	hl := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if hl > len(rest) {
		return nil, nil, fmt.Errorf("%s: header length %d beyond the file", path, hl)
	}
	var hdr weightsHeader
	if err := json.Unmarshal(rest[:hl], &hdr); err != nil {
		return nil, nil, fmt.Errorf("%s: header: %w", path, err)
	}
	if hdr.Key != key {
		return nil, nil, fmt.Errorf("%s: written for key %s, want %s", path, hdr.Key, key)
	}
	rest = rest[hl:]
	w := &Weights{}
	for _, d := range hdr.Vars {
		n := 1
		for _, x := range d.Shape {
			if x <= 0 {
				return nil, nil, fmt.Errorf("%s: variable %s has shape %v", path, d.Name, d.Shape)
			}
			n *= x
		}
		if 4*n > len(rest) {
			return nil, nil, fmt.Errorf("%s: variable %s: data ends early", path, d.Name)
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
		}
		rest = rest[4*n:]
		w.Names = append(w.Names, d.Name)
		w.Shapes = append(w.Shapes, d.Shape)
		w.Values = append(w.Values, vals)
	}
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("%s: %d bytes after the last variable", path, len(rest))
	}
	return w, &hdr.Result, nil
}
