package datasets

import (
	"math"
	"slices"
	"testing"
)

// knowledgeConfig is the default sample config with half of the users as the knowledge population.
func knowledgeConfig() SampleConfig {
	cfg := DefaultSampleConfig()
	cfg.KnowledgeUsers = 0.5
	cfg.KnowledgeSeed = 11
	return cfg
}

// TestKnowledgePopulationSplit checks that the knowledge users and the task users are disjoint,
// cover every user, and are the same for every cell seed and k.
func TestKnowledgePopulationSplit(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 40, EventsPerUser: 30, Behaviors: 20, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var first []int
	for _, k := range []int{0, 2, 5} {
		for _, seed := range []uint64{1, 2, 3} {
			task, err := BuildTask(log, knowledgeConfig(), k, seed)
			if err != nil {
				t.Fatal(err)
			}
			know := map[int32]bool{}
			for _, u := range task.Knowledge.Users {
				know[int32(u)] = true
			}
			taskUsers := map[int32]bool{}
			for _, part := range [][]Sample{task.Train, task.Valid, task.Test} {
				for _, s := range part {
					if know[s.User] {
						t.Fatalf("k=%d seed=%d: sample of knowledge user %d in the task", k, seed, s.User)
					}
					taskUsers[s.User] = true
				}
			}
			if len(know)+len(taskUsers) != len(log.Users) {
				t.Errorf("k=%d seed=%d: %d knowledge + %d task users, want %d in all", k, seed, len(know), len(taskUsers), len(log.Users))
			}
			if len(know) != 20 {
				t.Errorf("k=%d seed=%d: %d knowledge users, want round(0.5*40) = 20", k, seed, len(know))
			}
			if first == nil {
				first = task.Knowledge.Users
			} else if !slices.Equal(first, task.Knowledge.Users) {
				t.Errorf("k=%d seed=%d: knowledge users %v differ from %v", k, seed, task.Knowledge.Users, first)
			}
			for i, u := range task.Knowledge.Users {
				if len(task.Knowledge.Streams[i]) != len(log.Users[u].Events) {
					t.Errorf("knowledge user %d: stream of %d events, the log has %d", u, len(task.Knowledge.Streams[i]), len(log.Users[u].Events))
				}
			}
		}
	}
	other := knowledgeConfig()
	other.KnowledgeSeed = 12
	task, err := BuildTask(log, other, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(first, task.Knowledge.Users) {
		t.Errorf("knowledge_seed 12 chose the same users as 11")
	}
}

// TestNoTaskEventReachesPretraining is the canary: a behavior that only task users do never
// appears in the knowledge streams, and every knowledge stream belongs to a knowledge user
// (lm.SourceOf, what pretraining reads, is tested on the same canary in internal/lm).
func TestNoTaskEventReachesPretraining(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 30, EventsPerUser: 30, Behaviors: 15, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	cfg := knowledgeConfig()
	know := KnowledgeSplit(len(log.Users), cfg.KnowledgeUsers, cfg.KnowledgeSeed)
	for ui := range log.Users {
		if !know[ui] {
			for j := range log.Users[ui].Events {
				if j%3 == 0 {
					log.Users[ui].Events[j].Behavior = "canary"
				}
			}
		}
	}
	task, err := BuildTask(log, cfg, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	canary := int32(-1)
	for c, n := range task.Behaviors {
		if n == "canary" {
			canary = int32(c)
		}
	}
	if canary < 0 {
		t.Fatal("the canary behavior is not a class")
	}
	if task.ClassCounts(task.Test)[canary] == 0 {
		t.Fatal("the canary is no test target: the test would prove nothing")
	}
	for i, st := range task.Knowledge.Streams {
		if !know[task.Knowledge.Users[i]] {
			t.Fatalf("pretraining stream %d is of task user %d", i, task.Knowledge.Users[i])
		}
		for _, e := range st {
			if e.Behavior == canary {
				t.Fatalf("a task user's canary event reached pretraining (stream %d)", i)
			}
		}
	}
	// Without a knowledge population the canary is in the task streams: the check above can fail.
	same, err := BuildTask(log, DefaultSampleConfig(), 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range same.Streams {
		for _, e := range st {
			found = found || e.Behavior == canary
		}
	}
	if !found {
		t.Error("without knowledge users the canary should be in the task streams")
	}
}

// TestKnowledgeCutoff checks that test_start keeps only knowledge events before the first test
// target of the task users.
func TestKnowledgeCutoff(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 30, EventsPerUser: 30, Behaviors: 15, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	cfg := knowledgeConfig()
	full, err := BuildTask(log, cfg, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.KnowledgeCutoff = CutoffTestStart
	cut, err := BuildTask(log, cfg, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if cut.Knowledge.NumEvents() >= full.Knowledge.NumEvents() {
		t.Errorf("cutoff kept %d of %d knowledge events", cut.Knowledge.NumEvents(), full.Knowledge.NumEvents())
	}
	if cut.Knowledge.AfterTestStart != 0 || full.Knowledge.AfterTestStart != full.Knowledge.NumEvents()-cut.Knowledge.NumEvents() {
		t.Errorf("events after test start: %d with the cutoff, %d without (want 0 and %d)", cut.Knowledge.AfterTestStart,
			full.Knowledge.AfterTestStart, full.Knowledge.NumEvents()-cut.Knowledge.NumEvents())
	}
	if cut.Fingerprint() == full.Fingerprint() {
		t.Error("the cutoff does not change the task fingerprint")
	}
	know := map[int]bool{}
	for _, u := range cut.Knowledge.Users {
		know[u] = true
	}
	var testStart, latest int64
	for ui, u := range log.Users {
		if know[ui] {
			continue
		}
		m := len(u.Events) - 1
		validEnd := int(math.Round((cfg.Split.Train + cfg.Split.Valid) * float64(m)))
		if validEnd < m {
			if at := u.Events[validEnd+1].Time.Unix(); testStart == 0 || at < testStart {
				testStart = at
			}
		}
	}
	for i, u := range cut.Knowledge.Users {
		if n := len(cut.Knowledge.Streams[i]); n > 0 {
			if at := log.Users[u].Events[n-1].Time.Unix(); at > latest {
				latest = at
			}
		}
	}
	if latest >= testStart {
		t.Errorf("a kept knowledge event at %d is not before the first test target at %d", latest, testStart)
	}
}

func TestKnowledgeSamples(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 10, EventsPerUser: 12, Behaviors: 6, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := knowledgeConfig()
	cfg.HistoryLen = 4
	task, err := BuildTask(log, cfg, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	samples := task.KnowledgeSamples()
	if want := task.Knowledge.NumEvents() - len(task.Knowledge.Streams); len(samples) != want {
		t.Fatalf("%d knowledge samples, want one per event after each stream's first: %d", len(samples), want)
	}
	st := task.Knowledge.Streams[0]
	for j, s := range samples[:len(st)-1] {
		i := j + 1
		if s.Target != st[i].Behavior || s.Next != st[i] || len(s.History) != min(i, 4) || s.History[len(s.History)-1] != st[i-1] {
			t.Errorf("sample %d: %+v, want the target of event %d with the 4 events before it", j, s, i)
		}
		if s.User != int32(task.Knowledge.Users[0]) {
			t.Errorf("sample %d of user %d, want %d", j, s.User, task.Knowledge.Users[0])
		}
	}
	plain, _ := BuildTask(log, DefaultSampleConfig(), 0, 1)
	if plain.KnowledgeSamples() != nil {
		t.Error("knowledge samples without a knowledge population")
	}
}

func TestKnowledgeConfigErrors(t *testing.T) {
	for _, c := range []struct {
		share  float64
		seed   uint64
		cutoff string
	}{{-0.1, 0, ""}, {1, 0, ""}, {0, 3, ""}, {0.5, 0, "later"}, {0, 0, CutoffTestStart}} {
		cfg := DefaultSampleConfig()
		cfg.KnowledgeUsers, cfg.KnowledgeSeed, cfg.KnowledgeCutoff = c.share, c.seed, c.cutoff
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestKnowledgeStats(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 40, EventsPerUser: 30, Behaviors: 60, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	task, err := BuildTask(log, knowledgeConfig(), 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := ComputeStats(log, task)
	if s.Knowledge == nil || s.Knowledge.Users != 20 || s.Users != 20 {
		t.Fatalf("stats %+v, knowledge %+v", s, s.Knowledge)
	}
	if s.Knowledge.Events+s.Events != log.NumEvents() {
		t.Errorf("events %d + %d != %d", s.Knowledge.Events, s.Events, log.NumEvents())
	}
	seen := map[int32]bool{}
	for _, st := range task.Knowledge.Streams {
		for _, e := range st {
			seen[e.Behavior] = true
		}
	}
	absent := 0
	for c, n := range task.FullTrainCounts {
		if !task.Anchor[c] && n > 0 && !seen[int32(c)] {
			absent++
		}
	}
	if s.Knowledge.Behaviors != len(seen) || s.Knowledge.TailAbsent != absent {
		t.Errorf("knowledge stats %+v, want behaviors %d, tail absent %d", *s.Knowledge, len(seen), absent)
	}
}
