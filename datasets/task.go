package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// SampleConfig says how a Log becomes samples; its defaults are the harness's assumptions.
type SampleConfig struct {
	// HistoryLen is the number of past events a sample shows (at most) [20].
	HistoryLen int `yaml:"history_len"`
	// Split is the per-user chronological train/valid/test split of a user's samples [0.8/0.1/0.1].
	Split Split `yaml:"split"`
	// AnchorMinShare: a behavior whose share of training targets is above it is an anchor [0.01].
	AnchorMinShare float64 `yaml:"anchor_min_share"`
	// KnowledgeUsers is the share of users set aside as the knowledge population [0 = none]: their
	// whole event streams pretrain the behavior LM and none of their events is part of the task
	// (see Task.Knowledge). The split depends only on KnowledgeSeed, never on the cell's seed or k.
	KnowledgeUsers float64 `yaml:"knowledge_users,omitempty" json:",omitempty"`
	// KnowledgeSeed chooses the knowledge users [0].
	KnowledgeSeed uint64 `yaml:"knowledge_seed,omitempty" json:",omitempty"`
	// KnowledgeCutoff limits the knowledge users' events in time [none]: "test_start" keeps only
	// events earlier than the earliest test target of any task user, so no knowledge event is later
	// than a task user's test period begins.
	KnowledgeCutoff string `yaml:"knowledge_cutoff,omitempty" json:",omitempty"`
}

// Knowledge cutoffs (SampleConfig.KnowledgeCutoff).
const (
	CutoffNone      = ""
	CutoffTestStart = "test_start"
)

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
	if !(c.KnowledgeUsers >= 0 && c.KnowledgeUsers < 1) {
		return fmt.Errorf("knowledge_users: must be in [0,1) (0 = no knowledge population), got %g", c.KnowledgeUsers)
	}
	switch c.KnowledgeCutoff {
	case CutoffNone, CutoffTestStart:
	default:
		return fmt.Errorf("knowledge_cutoff: must be empty or %q, got %q", CutoffTestStart, c.KnowledgeCutoff)
	}
	if c.KnowledgeUsers == 0 && (c.KnowledgeSeed != 0 || c.KnowledgeCutoff != CutoffNone) {
		return fmt.Errorf("knowledge_seed, knowledge_cutoff: need knowledge_users > 0")
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
	// Knowledge holds the knowledge population's event streams when Config.KnowledgeUsers > 0
	// (nil otherwise): users disjoint from the task's, whose events never appear in Train, Valid,
	// Test or Streams. The behavior LM pretrains on them instead of Streams.
	Knowledge *Population
	// TailShots is k (0 = all); Seed chose the kept tail samples.
	TailShots int
	Seed      uint64
	Config    SampleConfig
}

// Population is the knowledge population of a task: which users of the log it holds and their
// event streams, in log order.
type Population struct {
	// Users are indices into the log's users; Streams parallels it (a user whose events the
	// cutoff removed entirely has an empty stream).
	Users   []int
	Streams [][]Step
	// AfterTestStart counts the kept events later than the earliest test target of any task user:
	// the time overlap left between the knowledge and the task (0 with the test_start cutoff).
	AfterTestStart int
}

// NumEvents returns the number of events of the population's streams.
func (p *Population) NumEvents() int {
	n := 0
	for _, st := range p.Streams {
		n += len(st)
	}
	return n
}

// KnowledgeSamples returns the samples of the knowledge population's streams, built as the task's
// are (every event after a stream's first is a target, with up to HistoryLen events before it as
// its history), for controls that train a classic model on the knowledge users too; nil without
// a knowledge population. They are never part of Train, Valid or Test.
func (t *Task) KnowledgeSamples() []Sample {
	if t.Knowledge == nil {
		return nil
	}
	var out []Sample
	for i, st := range t.Knowledge.Streams {
		for j := 1; j < len(st); j++ {
			lo := max(0, j-t.Config.HistoryLen)
			out = append(out, Sample{User: int32(t.Knowledge.Users[i]), History: st[lo:j:j], Next: st[j], Target: st[j].Behavior})
		}
	}
	return out
}

// KnowledgeSplit returns which of n users form the knowledge population (true for a knowledge
// user): PickShare(n, share, seed), so the split is the same for every cell seed and k. share 0
// gives nil.
func KnowledgeSplit(n int, share float64, seed uint64) []bool {
	return PickShare(n, share, seed)
}

// PickShare marks round(share·n) of n items, chosen by a generator seeded by seed alone; share
// <= 0 gives nil.
func PickShare(n int, share float64, seed uint64) []bool {
	if share <= 0 {
		return nil
	}
	perm := rand.New(rand.NewPCG(seed, 0x6b6e6f77)).Perm(n)
	picked := make([]bool, n)
	for _, i := range perm[:int(math.Round(share*float64(n)))] {
		picked[i] = true
	}
	return picked
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
//
// With KnowledgeUsers > 0 the users are first split (KnowledgeSplit) into a knowledge population,
// whose events go only to Task.Knowledge, and the task users, from whom alone the samples, the
// anchors and the tail shots are built. The behaviors (classes) are those of all users, so the
// LM's vocabulary covers what the knowledge users did.
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
	knowledge := KnowledgeSplit(len(log.Users), cfg.KnowledgeUsers, cfg.KnowledgeSeed)
	toSteps := func(events []Event) []Step {
		out := make([]Step, len(events))
		for i, e := range events {
			out[i] = Step{Behavior: id[e.Behavior], Weekday: uint8(e.Weekday), Hour: uint8(e.Hour)}
		}
		return out
	}
	var train []Sample
	type streamPos struct{ stream, pos int }
	var trainPos []streamPos // where each training sample's target sits in Streams
	var testStart time.Time  // the earliest test target of any task user
	for ui, u := range log.Users {
		if knowledge != nil && knowledge[ui] {
			continue
		}
		steps := toSteps(u.Events)
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
				if at := u.Events[i].Time; testStart.IsZero() || at.Before(testStart) {
					testStart = at
				}
			}
		}
		if trainEnd > 0 {
			t.Streams = append(t.Streams, steps[:trainEnd+1:trainEnd+1])
		}
	}
	if len(train) == 0 || len(t.Test) == 0 {
		return nil, fmt.Errorf("data set %s: too few events to build train and test samples (%d users, %d events)", log.Name, len(log.Users), log.NumEvents())
	}
	if knowledge != nil {
		t.Knowledge = &Population{}
		for ui, u := range log.Users {
			if !knowledge[ui] {
				continue
			}
			events := u.Events
			n := 0 // events before testStart
			for n < len(events) && events[n].Time.Before(testStart) {
				n++
			}
			if cfg.KnowledgeCutoff == CutoffTestStart {
				events = events[:n]
			}
			t.Knowledge.AfterTestStart += len(events) - n
			t.Knowledge.Users = append(t.Knowledge.Users, ui)
			t.Knowledge.Streams = append(t.Knowledge.Streams, toSteps(events))
		}
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
	if t.Knowledge != nil { // absent without a knowledge population: older fingerprints stay valid
		w(uint32(len(t.Knowledge.Users)))
		for i, u := range t.Knowledge.Users {
			w(uint32(u))
			w(uint32(len(t.Knowledge.Streams[i])))
			for _, st := range t.Knowledge.Streams[i] {
				w(uint32(st.Behavior))
				w(uint32(st.Weekday)<<8 | uint32(st.Hour))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
