package lm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/behaviorlm/harness/datasets"
)

// cacheVersion changes whenever the model code or the pretraining procedure changes in a way
// that makes old cache entries wrong.
const cacheVersion = 3 // 2: weights files are safetensors; 3: pretraining uses train.AdamW

// Source is what pretraining reads from a task: the data set name, the behavior names (the
// vocabulary), the training-period event streams and, only when pretraining respects the tail
// shots, which events may be targets (Kept; nil = all). Without Kept it does not depend on the
// tail-shot k, so one pretrained model serves every k.
type Source struct {
	Dataset   string
	Behaviors []string
	Streams   [][]datasets.Step
	Kept      [][]bool
	// HeldOut are the streams pretrain.holdout set aside: scored after pretraining, never trained on.
	HeldOut [][]datasets.Step
}

// SourceOf returns the pretraining source of a task: its knowledge population's streams when it
// has one (no task user's event is then read), else, or with cfg.TaskStreams or
// cfg.RespectTailShots, the task users' training-period streams, with the task's StreamKept when
// cfg.RespectTailShots (k-respecting pretraining masks the task's removed samples, so it reads
// the task users).
func SourceOf(task *datasets.Task, cfg PretrainConfig) Source {
	src := Source{Dataset: task.Dataset, Behaviors: task.Behaviors, Streams: task.Streams}
	if task.Knowledge != nil && !cfg.TaskStreams && !cfg.RespectTailShots {
		src.Streams = task.Knowledge.Streams
	} else if cfg.RespectTailShots {
		src.Kept = task.StreamKept
	}
	src.Streams, src.Kept, src.HeldOut = splitHoldout(src.Streams, src.Kept, cfg.Holdout)
	return src
}

// ContentHash is a SHA-256 over the behavior names, every event of the streams and of the held-out
// streams, if any, and the positions Kept marks false, if any.
func (s Source) ContentHash() string {
	h := sha256.New()
	var b [4]byte
	w := func(v uint32) { binary.LittleEndian.PutUint32(b[:], v); h.Write(b[:]) }
	w(uint32(len(s.Behaviors)))
	for _, n := range s.Behaviors {
		w(uint32(len(n)))
		h.Write([]byte(n))
	}
	streams := func(ss [][]datasets.Step) {
		w(uint32(len(ss)))
		for _, st := range ss {
			w(uint32(len(st)))
			for _, e := range st {
				w(uint32(e.Behavior))
				w(uint32(e.Weekday)<<8 | uint32(e.Hour))
			}
		}
	}
	streams(s.Streams)
	if s.HeldOut != nil { // absent without holdout: older keys stay valid
		streams(s.HeldOut)
	}
	if s.Kept != nil {
		// Only the removed positions: with none, pretraining is the unmasked one, and so is the hash.
		for i, k := range s.Kept {
			for j, ok := range k {
				if !ok {
					w(uint32(i))
					w(uint32(j))
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CacheKey derives the cache key of pretrained weights from everything that determines them: the
// code version, the data set, the content of the streams and behavior names, the model
// configuration (with its resolved history length), the pretraining configuration and the seed.
//
// RespectTailShots enters the key only through the content (the removed targets): at k = all, or
// when k removes nothing, pretraining is the same as without the option and so is the key.
func CacheKey(src Source, cfg Config, pcfg PretrainConfig, seed uint64) string {
	pcfg.RespectTailShots = false
	j, _ := json.Marshal(struct {
		Version  int            `json:"version"`
		Dataset  string         `json:"dataset"`
		Content  string         `json:"content"`
		Model    Config         `json:"model"`
		Pretrain PretrainConfig `json:"pretrain"`
		Seed     uint64         `json:"seed"`
	}{cacheVersion, src.Dataset, src.ContentHash(), cfg, pcfg, seed})
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:])
}

// CachePath returns where the weights of key are cached under cacheDir.
func CachePath(cacheDir, dataset string, seed uint64, key string) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, dataset)
	return filepath.Join(cacheDir, "behavior-lm", fmt.Sprintf("%s-seed%d-%s.weights", name, seed, key[:20]))
}
