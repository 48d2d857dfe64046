package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// SampleConfig says how a Log becomes samples; its defaults are the harness's assumptions.
type SampleConfig struct {
	// HistoryLen is the number of past events a sample shows (at most) [20].
	HistoryLen int `yaml:"history_len"`
	// Split is the per-user chronological train/valid/test split of a user's samples [0.8/0.1/0.1].
	Split Split `yaml:"split"`
	// AnchorMinShare: a behavior whose share of training targets is above it is an anchor [0.01].
	AnchorMinShare float64 `yaml:"anchor_min_share"`
}

// Split holds the fractions of each user's samples in each part; they must add up to 1.
type Split struct {
	Train float64 `yaml:"train"`
	Valid float64 `yaml:"valid"`
	Test  float64 `yaml:"test"`
}

// DefaultSampleConfig returns the defaults of the method notes.
func DefaultSampleConfig() SampleConfig {
	return SampleConfig{HistoryLen: 20, Split: Split{Train: 0.8, Valid: 0.1, Test: 0.1}, AnchorMinShare: 0.01}
}

// Validate reports the first invalid field, naming its YAML key.
func (c SampleConfig) Validate() error {
	if c.HistoryLen < 1 {
		return fmt.Errorf("history_len: must be at least 1, got %d", c.HistoryLen)
	}
	s := c.Split
	if s.Train <= 0 || s.Valid < 0 || s.Test <= 0 || math.Abs(s.Train+s.Valid+s.Test-1) > 1e-9 {
		return fmt.Errorf("split: fractions must be positive (valid may be 0) and add up to 1, got %+v", s)
	}
	if c.AnchorMinShare <= 0 || c.AnchorMinShare >= 1 {
		return fmt.Errorf("anchor_min_share: must be in (0,1), got %g", c.AnchorMinShare)
	}
	return nil
}

// Step is one event as models see it: behavior id and its time context.
type Step struct {
	Behavior int32
	Weekday  uint8 // 0 = Sunday, as time.Weekday
	Hour     uint8
}

// Sample is one prediction problem: a user's recent history and the behavior that came next.
type Sample struct {
	User    int32
	History []Step // oldest first, 1..HistoryLen steps
	// Next holds the time context of the event to predict (its Behavior field is the target).
	Next   Step
	Target int32
}

// Task is one experiment cell's data: a data set's samples with the tail-shot restriction applied.
// Every method of a cell gets the same Task.
type Task struct {
	Dataset   string
	Behaviors []string // class id -> behavior name, sorted by name
	Anchor    []bool   // class id -> anchor?
	// FullTrainCounts are training-target counts per class before the tail-shot restriction.
	FullTrainCounts []int
	// Train is restricted to TailShots samples per tail class; Valid and Test are never restricted.
	Train, Valid, Test []Sample
	// Streams are each user's training-period events (never a valid or test target), for pretraining.
	Streams [][]Step
	// StreamKept parallels Streams: false marks an event that must not be a pretraining target
	// under the tail-shot restriction: the target of a training sample that k removed, or a tail
	// behavior as a stream's first event (no sample's target). Pretraining that must see only the
	// cell's k tail shots as targets masks the false ones (lm.PretrainConfig), so every behavior
	// is a target exactly as often as in Train. nil when k = 0: nothing is masked.
	StreamKept [][]bool
	// TailShots is k (0 = all); Seed chose the kept tail samples.
	TailShots int
	Seed      uint64
	Config    SampleConfig
}

// NumClasses returns the number of behaviors.
func (t *Task) NumClasses() int { return len(t.Behaviors) }

// ClassCounts counts the targets of samples per class.
func (t *Task) ClassCounts(samples []Sample) []int {
	c := make([]int, len(t.Behaviors))
	for _, s := range samples {
		c[s.Target]++
	}
	return c
}

// Targets returns the samples' targets.
func Targets(samples []Sample) []int32 {
	out := make([]int32, len(samples))
	for i, s := range samples {
		out[i] = s.Target
	}
	return out
}

// IndicesByClass lists, for each class in [0, numClasses), the indices of labels holding it, in
// increasing order. Labels must lie in [0, numClasses).
func IndicesByClass(labels []int32, numClasses int) [][]int {
	byClass := make([][]int, numClasses)
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	return byClass
}

// AnchorClasses returns the ids of the anchor behaviors.
func (t *Task) AnchorClasses() []int {
	var ids []int
	for c, a := range t.Anchor {
		if a {
			ids = append(ids, c)
		}
	}
	return ids
}

// BuildTask turns a log into the samples of one cell. For each user (events in time order) every
// event after the first is a target whose history is the up to HistoryLen events before it. A
// user's samples are split chronologically into train/valid/test by Split. Anchors are behaviors
// whose share of training targets is above AnchorMinShare. Then, for tailShots k > 0, each tail
// behavior keeps at most k training samples, chosen with seed; anchors keep all.
func BuildTask(log *Log, cfg SampleConfig, tailShots int, seed uint64) (*Task, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if tailShots < 0 {
		return nil, fmt.Errorf("tail_shots: must be >= 0 (0 = all), got %d", tailShots)
	}
	names := map[string]bool{}
	for _, u := range log.Users {
		for _, e := range u.Events {
			names[e.Behavior] = true
		}
	}
	t := &Task{Dataset: log.Name, TailShots: tailShots, Seed: seed, Config: cfg}
	for n := range names {
		t.Behaviors = append(t.Behaviors, n)
	}
	sort.Strings(t.Behaviors)
	id := make(map[string]int32, len(t.Behaviors))
	for i, n := range t.Behaviors {
		id[n] = int32(i)
	}
	var train []Sample
	type streamPos struct{ stream, pos int }
	var trainPos []streamPos // where each training sample's target sits in Streams
	for ui, u := range log.Users {
		steps := make([]Step, len(u.Events))
		for i, e := range u.Events {
			steps[i] = Step{Behavior: id[e.Behavior], Weekday: uint8(e.Weekday), Hour: uint8(e.Hour)}
		}
		m := len(steps) - 1 // samples of this user
		if m < 1 {
			continue
		}
		trainEnd := int(math.Round(cfg.Split.Train * float64(m)))
		validEnd := int(math.Round((cfg.Split.Train + cfg.Split.Valid) * float64(m)))
		for j := 0; j < m; j++ {
			i := j + 1
			lo := max(0, i-cfg.HistoryLen)
			s := Sample{User: int32(ui), History: steps[lo:i:i], Next: steps[i], Target: steps[i].Behavior}
			switch {
			case j < trainEnd:
				train = append(train, s)
				trainPos = append(trainPos, streamPos{len(t.Streams), i})
			case j < validEnd:
				t.Valid = append(t.Valid, s)
			default:
				t.Test = append(t.Test, s)
			}
		}
		if trainEnd > 0 {
			t.Streams = append(t.Streams, steps[:trainEnd+1:trainEnd+1])
		}
	}
	if len(train) == 0 || len(t.Test) == 0 {
		return nil, fmt.Errorf("data set %s: too few events to build train and test samples (%d users, %d events)", log.Name, len(log.Users), log.NumEvents())
	}
	t.FullTrainCounts = t.ClassCounts(train)
	t.Anchor = make([]bool, len(t.Behaviors))
	for c, n := range t.FullTrainCounts {
		t.Anchor[c] = float64(n)/float64(len(train)) > cfg.AnchorMinShare
	}
	var keep []bool
	t.Train, keep = restrictTail(train, t.Anchor, tailShots, seed)
	if keep != nil {
		t.StreamKept = make([][]bool, len(t.Streams))
		for i, st := range t.Streams {
			t.StreamKept[i] = make([]bool, len(st))
			for j := range st {
				t.StreamKept[i][j] = true
			}
			// A stream's first event is no sample's target: as a pretraining target it would add
			// tail shots beyond k, so a tail behavior there is masked too.
			t.StreamKept[i][0] = t.Anchor[st[0].Behavior]
		}
		for i, kept := range keep {
			if !kept {
				t.StreamKept[trainPos[i].stream][trainPos[i].pos] = false
			}
		}
	}
	return t, nil
}

// restrictTail keeps every anchor sample and at most k samples of each tail class (k = 0: all),
// choosing them with a generator seeded by seed alone, and keeps the original order. keep marks
// the kept samples of train (nil for k = 0).
func restrictTail(train []Sample, anchor []bool, k int, seed uint64) (out []Sample, keep []bool) {
	if k == 0 {
		return train, nil
	}
	byClass := IndicesByClass(Targets(train), len(anchor))
	rng := rand.New(rand.NewPCG(seed, 0x7a11))
	keep = make([]bool, len(train))
	for c, idx := range byClass {
		if !anchor[c] && len(idx) > k {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			idx = idx[:k]
		}
		for _, i := range idx {
			keep[i] = true
		}
	}
	for i, s := range train {
		if keep[i] {
			out = append(out, s)
		}
	}
	return out, keep
}

// Fingerprint is a SHA-256 over the task's classes and samples: equal fingerprints mean
// byte-identical sample sets.
func (t *Task) Fingerprint() string {
	h := sha256.New()
	var buf [4]byte
	w := func(v uint32) { binary.LittleEndian.PutUint32(buf[:], v); h.Write(buf[:]) }
	for i, n := range t.Behaviors {
		h.Write([]byte(n))
		w(0)
		if t.Anchor[i] {
			w(1)
		} else {
			w(2)
		}
	}
	for _, part := range [][]Sample{t.Train, t.Valid, t.Test} {
		w(uint32(len(part)))
		for _, s := range part {
			w(uint32(s.User))
			w(uint32(s.Target))
			w(uint32(len(s.History)))
			for _, st := range append(s.History, s.Next) {
				w(uint32(st.Behavior))
				w(uint32(st.Weekday)<<8 | uint32(st.Hour))
			}
		}
	}
	for _, st := range t.Streams {
		w(uint32(len(st)))
	}
	return hex.EncodeToString(h.Sum(nil))
}
