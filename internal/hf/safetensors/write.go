package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// NamedTensor is a float32 tensor with a name, as written by Write.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Write writes tensors as F32 to a safetensors file at path, in name order, with the
// optional metadata. The header is padded with spaces to a multiple of 8 bytes, as the reference
// implementation does. The file is written to a temporary name and renamed into place.
func Write(path string, tensors []NamedTensor, metadata map[string]string) error {
	sorted := append([]NamedTensor(nil), tensors...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	header := make(map[string]any, len(sorted)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var offset int64
	for i, t := range sorted {
		if i > 0 && t.Name == sorted[i-1].Name {
			return fmt.Errorf("write safetensors %s: duplicate tensor %q", path, t.Name)
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("write safetensors %s: tensor %q has %d values for shape %v", path, t.Name, len(t.Data), t.Shape)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{
			"dtype":        "F32",
			"shape":        shape,
			"data_offsets": []int64{offset, offset + 4*int64(n)},
		}
		offset += 4 * int64(n)
	}
	hdr, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("write safetensors %s: %w", path, err)
	}
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write safetensors %s: %w", path, err)
	}
	w := bufio.NewWriter(f)
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(len(hdr)))
	w.Write(buf[:])
	w.Write(hdr)
	for _, t := range sorted {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
			w.Write(buf[:4])
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write safetensors %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write safetensors %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write safetensors %s: %w", path, err)
	}
	return nil
}
