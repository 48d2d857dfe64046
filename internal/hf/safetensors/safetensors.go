// Package safetensors reads and writes safetensors files and opens Hugging Face checkpoint
// folders (one model.safetensors, or shards listed in model.safetensors.index.json), in pure Go
// without GoMLX. Tensors are converted to float32 on read (from F32, F16, BF16, F64) and written
// as F32 or BF16.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// maxHeaderBytes bounds the JSON header of a safetensors file (the format's own limit is 100 MB).
const maxHeaderBytes = 100 << 20

// TensorInfo describes one tensor stored in a safetensors file.
type TensorInfo struct {
	// DType is the stored element type: "F32", "F16", "BF16", "F64", ...
	DType string
	// Shape is the tensor's dimensions ([] for a scalar).
	Shape []int
	// Begin and End are the byte offsets of its data, relative to the start of the data section.
	Begin, End int64
}

// NumElements is the product of the shape's dimensions.
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// File is an opened safetensors file whose header has been read and validated; tensor
// data is read on demand.
type File struct {
	// Path is the file's path.
	Path string
	// Metadata is the optional "__metadata__" string map of the header.
	Metadata map[string]string
	// Tensors maps each tensor name to where and how it is stored.
	Tensors map[string]TensorInfo

	dataStart int64
}

// dtypeSize returns the byte size of one element of a safetensors dtype, or 0 if unknown.
func dtypeSize(dtype string) int {
	switch dtype {
	case "F64", "I64", "U64":
		return 8
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2":
		return 1
	}
	return 0
}

// Open reads and validates the header of the safetensors file at path: the 8-byte
// little-endian header length, the JSON header, and that every tensor's byte range matches its
// dtype and shape and lies inside the file.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	sf, err := parseHeader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	sf.Path = path
	return sf, nil
}

func parseHeader(r io.ReaderAt, size int64) (*File, error) {
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("reading header length (file has %d bytes): %w", size, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderBytes || int64(n) > size-8 {
		return nil, fmt.Errorf("header length %d exceeds file size %d (truncated or not safetensors)", n, size)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("reading %d-byte header: %w", n, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("parsing JSON header: %w", err)
	}
	sf := &File{Tensors: make(map[string]TensorInfo, len(raw)), dataStart: 8 + int64(n)}
	dataLen := size - sf.dataStart
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &sf.Metadata); err != nil {
				return nil, fmt.Errorf("parsing __metadata__: %w", err)
			}
			continue
		}
		var e struct {
			DType       string  `json:"dtype"`
			Shape       []int   `json:"shape"`
			DataOffsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		if len(e.DataOffsets) != 2 {
			return nil, fmt.Errorf("tensor %q: data_offsets must have 2 entries, got %d", name, len(e.DataOffsets))
		}
		info := TensorInfo{DType: e.DType, Shape: e.Shape, Begin: e.DataOffsets[0], End: e.DataOffsets[1]}
		if info.Shape == nil {
			info.Shape = []int{}
		}
		es := dtypeSize(info.DType)
		if es == 0 {
			return nil, fmt.Errorf("tensor %q: unknown dtype %q", name, info.DType)
		}
		numel := int64(1)
		for _, d := range info.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: negative dimension in shape %v", name, info.Shape)
			}
			numel *= int64(d)
		}
		if info.Begin < 0 || info.End < info.Begin || info.End-info.Begin != numel*int64(es) {
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] do not hold %d elements of %s (shape %v)",
				name, info.Begin, info.End, numel, info.DType, info.Shape)
		}
		if info.End > dataLen {
			return nil, fmt.Errorf("tensor %q: data ends at byte %d but the data section has only %d bytes (truncated file)",
				name, info.End, dataLen)
		}
		sf.Tensors[name] = info
	}
	return sf, nil
}

// Names returns the tensor names in sorted order.
func (sf *File) Names() []string { return sortedKeys(sf.Tensors) }

// sortedKeys returns the keys of m in sorted order (an empty, non-nil slice for an empty m).
func sortedKeys[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ReadFloat32Into reads the named tensor into dst, converting it to float32 (from F32, F16, BF16
// or F64) in chunks, so that no copy of the whole tensor is made; len(dst) must be its number of
// elements.
func (sf *File) ReadFloat32Into(name string, dst []float32) error {
	info, ok := sf.Tensors[name]
	if !ok {
		return fmt.Errorf("safetensors %s: no tensor %q", sf.Path, name)
	}
	if len(dst) != info.NumElements() {
		return fmt.Errorf("safetensors %s: tensor %q has %d elements, destination %d", sf.Path, name, info.NumElements(), len(dst))
	}
	if _, err := DecodeFloat32(info.DType, nil); err != nil {
		return fmt.Errorf("safetensors %s: tensor %q: %w", sf.Path, name, err)
	}
	f, err := os.Open(sf.Path)
	if err != nil {
		return fmt.Errorf("safetensors %s: %w", sf.Path, err)
	}
	defer f.Close()
	size := dtypeSize(info.DType)
	const chunk = 1 << 16 // elements per read
	buf := make([]byte, min(chunk, len(dst))*size)
	for done := 0; done < len(dst); {
		n := min(chunk, len(dst)-done)
		b := buf[:n*size]
		if _, err := f.ReadAt(b, sf.dataStart+info.Begin+int64(done*size)); err != nil {
			return fmt.Errorf("safetensors %s: reading tensor %q: %w", sf.Path, name, err)
		}
		vals, _ := DecodeFloat32(info.DType, b)
		copy(dst[done:], vals)
		done += n
	}
	return nil
}

// ReadFloat32 reads the named tensor and converts it to float32 (from F32, F16, BF16 or F64).
func (sf *File) ReadFloat32(name string) ([]float32, error) {
	info, ok := sf.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("safetensors %s: no tensor %q", sf.Path, name)
	}
	f, err := os.Open(sf.Path)
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", sf.Path, err)
	}
	defer f.Close()
	buf := make([]byte, info.End-info.Begin)
	if _, err := f.ReadAt(buf, sf.dataStart+info.Begin); err != nil {
		return nil, fmt.Errorf("safetensors %s: reading tensor %q: %w", sf.Path, name, err)
	}
	out, err := DecodeFloat32(info.DType, buf)
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: tensor %q: %w", sf.Path, name, err)
	}
	return out, nil
}

// DecodeFloat32 converts little-endian raw tensor bytes of the given dtype to float32; with nil
// bytes it only reports whether the dtype is supported.
func DecodeFloat32(dtype string, buf []byte) ([]float32, error) {
	switch dtype {
	case "F32":
		out := make([]float32, len(buf)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		return out, nil
	case "F64":
		out := make([]float32, len(buf)/8)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:])))
		}
		return out, nil
	case "BF16":
		out := make([]float32, len(buf)/2)
		for i := range out {
			out[i] = BFloat16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
		return out, nil
	case "F16":
		out := make([]float32, len(buf)/2)
		for i := range out {
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
		return out, nil
	}
	return nil, errors.New("dtype " + dtype + " is not a floating-point type this reader converts (F32, F16, BF16, F64)")
}

// BFloat16ToFloat32 converts a bfloat16 bit pattern to float32 (exact).
func BFloat16ToFloat32(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}

// Float16ToFloat32 converts an IEEE 754 half-precision bit pattern to float32 (exact), including
// subnormals, infinities and NaN.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: value = mant * 2^-24.
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
