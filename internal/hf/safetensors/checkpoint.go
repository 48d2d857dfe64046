package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// IndexFile is the name of the shard index of a sharded checkpoint.
const IndexFile = "model.safetensors.index.json"

// Checkpoint is the set of tensors of a checkpoint folder: one model.safetensors, or the shards
// listed in model.safetensors.index.json (as transformers looks for them; other *.safetensors files
// in the folder, such as adapters, are ignored).
type Checkpoint struct {
	// Dir is the checkpoint folder.
	Dir string
	// Files are the opened safetensors files.
	Files []*File

	where map[string]*File
}

// OpenCheckpoint opens the safetensors files of the checkpoint folder dir and indexes its tensors.
// A tensor present in two files is an error, as is a shard index naming a tensor that its shard
// does not hold.
func OpenCheckpoint(dir string) (*Checkpoint, error) {
	paths, index, err := checkpointFiles(dir)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Dir: dir, where: make(map[string]*File)}
	byBase := make(map[string]*File)
	for _, p := range paths {
		sf, err := Open(p)
		if err != nil {
			return nil, err
		}
		ck.Files = append(ck.Files, sf)
		byBase[filepath.Base(p)] = sf
		for name := range sf.Tensors {
			if prev, dup := ck.where[name]; dup {
				return nil, fmt.Errorf("checkpoint %s: tensor %q is in both %s and %s", dir, name, prev.Path, p)
			}
			ck.where[name] = sf
		}
	}
	for name, shard := range index {
		sf := byBase[shard]
		if _, ok := sf.Tensors[name]; !ok {
			return nil, fmt.Errorf("checkpoint %s: %s maps tensor %q to %s, which does not hold it",
				dir, filepath.Join(dir, IndexFile), name, sf.Path)
		}
	}
	return ck, nil
}

// checkpointFiles lists the safetensors files of dir, and the index's weight map if there is one.
func checkpointFiles(dir string) ([]string, map[string]string, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		return []string{single}, nil, nil
	}
	indexPath := filepath.Join(dir, IndexFile)
	data, err := os.ReadFile(indexPath)
	if err == nil {
		var idx struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(data, &idx); err != nil {
			return nil, nil, fmt.Errorf("checkpoint index %s: %w", indexPath, err)
		}
		if len(idx.WeightMap) == 0 {
			return nil, nil, fmt.Errorf("checkpoint index %s: empty weight_map", indexPath)
		}
		seen := make(map[string]bool)
		var paths []string
		for _, shard := range idx.WeightMap {
			if shard != filepath.Base(shard) {
				return nil, nil, fmt.Errorf("checkpoint index %s: shard %q is not a plain file name", indexPath, shard)
			}
			if !seen[shard] {
				seen[shard] = true
				paths = append(paths, filepath.Join(dir, shard))
			}
		}
		sort.Strings(paths)
		return paths, idx.WeightMap, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("checkpoint index %s: %w", indexPath, err)
	}
	return nil, nil, fmt.Errorf("checkpoint %s: no model.safetensors and no %s", dir, IndexFile)
}

// Has reports whether the checkpoint holds the named tensor.
func (ck *Checkpoint) Has(name string) bool {
	_, ok := ck.where[name]
	return ok
}

// Info returns the stored dtype, shape and file of the named tensor.
func (ck *Checkpoint) Info(name string) (TensorInfo, string, bool) {
	sf, ok := ck.where[name]
	if !ok {
		return TensorInfo{}, "", false
	}
	return sf.Tensors[name], sf.Path, true
}

// ReadFloat32 reads the named tensor as float32 and checks that its shape is want; errors name the
// file and the tensor.
func (ck *Checkpoint) ReadFloat32(name string, want ...int) ([]float32, error) {
	sf, ok := ck.where[name]
	if !ok {
		return nil, fmt.Errorf("checkpoint %s: missing tensor %q", ck.Dir, name)
	}
	info := sf.Tensors[name]
	if !slices.Equal(info.Shape, want) {
		return nil, fmt.Errorf("safetensors %s: tensor %q has shape %v, the config implies %v", sf.Path, name, info.Shape, want)
	}
	return sf.ReadFloat32(name)
}

// ReadFloat32Into is ReadFloat32 into dst (see File.ReadFloat32Into).
func (ck *Checkpoint) ReadFloat32Into(name string, dst []float32, want ...int) error {
	sf, ok := ck.where[name]
	if !ok {
		return fmt.Errorf("checkpoint %s: missing tensor %q", ck.Dir, name)
	}
	info := sf.Tensors[name]
	if !slices.Equal(info.Shape, want) {
		return fmt.Errorf("safetensors %s: tensor %q has shape %v, the config implies %v", sf.Path, name, info.Shape, want)
	}
	return sf.ReadFloat32Into(name, dst)
}

// Names returns all tensor names in sorted order.
func (ck *Checkpoint) Names() []string { return sortedKeys(ck.where) }
