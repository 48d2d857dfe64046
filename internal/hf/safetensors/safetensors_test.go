package safetensors

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSafetensorsRoundTripAndConversions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	in := []NamedTensor{
		{Name: "b", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), 1e-30}},
		{Name: "a", Shape: []int{}, Data: []float32{42}},
	}
	if err := Write(path, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	sf, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if sf.Metadata["k"] != "v" || len(sf.Tensors) != 2 {
		t.Fatalf("metadata %v, tensors %v", sf.Metadata, sf.Names())
	}
	for _, nt := range in {
		got, err := sf.ReadFloat32(nt.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sf.Tensors[nt.Name].Shape, nt.Shape) {
			t.Errorf("%s: shape %v, want %v", nt.Name, sf.Tensors[nt.Name].Shape, nt.Shape)
		}
		for i := range got {
			if got[i] != nt.Data[i] {
				t.Errorf("%s[%d] = %g, want %g", nt.Name, i, got[i], nt.Data[i])
			}
		}
	}
	if err := Write(path, []NamedTensor{{Name: "x", Shape: []int{3}, Data: []float32{1}}}, nil); err == nil {
		t.Error("WriteSafetensors accepted 1 value for shape [3]")
	}

	for _, c := range []struct {
		bits uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08}, {0x03ff, 6.097555160522461e-05},
		{0x0400, 6.103515625e-05}, {0x8000, float32(math.Copysign(0, -1))}, {0x7c00, float32(math.Inf(1))}, {0x3555, 0.333251953125},
	} {
		if got := Float16ToFloat32(c.bits); got != c.want || math.Signbit(float64(got)) != math.Signbit(float64(c.want)) {
			t.Errorf("Float16ToFloat32(%#04x) = %g, want %g", c.bits, got, c.want)
		}
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("f16 NaN converted to %g", got)
	}
	if got := BFloat16ToFloat32(0x3f80); got != 1 {
		t.Errorf("BFloat16ToFloat32(0x3f80) = %g", got)
	}
	if got := BFloat16ToFloat32(0xc0a0); got != -5 {
		t.Errorf("BFloat16ToFloat32(0xc0a0) = %g", got)
	}
}

// FuzzSafetensorsHeader checks that no input makes the header parser panic or accept a tensor
// whose bytes lie outside the file.
func FuzzSafetensorsHeader(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "llama.logits.safetensors"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[:2000])
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := parseHeader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for name, info := range sf.Tensors {
			if sf.dataStart+info.End > int64(len(b)) {
				t.Errorf("tensor %q accepted beyond the end of the file", name)
			}
		}
	})
}
