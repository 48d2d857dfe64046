package datasets

// Stats summarises a log and the task built from it, for the stats table.
type Stats struct {
	Dataset string
	Users   int
	Events  int
	// Behaviors is the number of distinct behaviors (classes).
	Behaviors int
	// AnchorsAllEvents counts behaviors above the anchor share on all events; Anchors counts them
	// on training targets (the harness's rule). AnchorCoverage is the anchors' share of training targets.
	AnchorsAllEvents, Anchors int
	AnchorCoverage            float64
	// Train/Valid/Test are sample counts (Train before the tail-shot restriction).
	Train, Valid, Test int
	// TailTrainAfterK is the number of tail training samples after the tail-shot restriction.
	TailTrainAfterK int
	// Knowledge describes the knowledge population (nil without one); Users and Events above
	// then count the task users only.
	Knowledge *KnowledgeStats `json:",omitempty"`
}

// KnowledgeStats describes a task's knowledge population.
type KnowledgeStats struct {
	Users, Events int
	// Behaviors is the number of distinct behaviors in the population's streams.
	Behaviors int
	// TailAbsent counts the task's tail behaviors (with training targets) that no knowledge event
	// shows: what the pretrained LM cannot know about.
	TailAbsent int
	// AfterTestStart counts knowledge events later than the task's earliest test target.
	AfterTestStart int
}

// ComputeStats returns the statistics of a log and a task built from it.
func ComputeStats(log *Log, t *Task) Stats {
	s := Stats{Dataset: log.Name, Behaviors: len(t.Behaviors), Valid: len(t.Valid), Test: len(t.Test)}
	inKnowledge := map[int]bool{}
	if t.Knowledge != nil {
		seen := make([]bool, len(t.Behaviors))
		k := &KnowledgeStats{Users: len(t.Knowledge.Users), Events: t.Knowledge.NumEvents(), AfterTestStart: t.Knowledge.AfterTestStart}
		for i, u := range t.Knowledge.Users {
			inKnowledge[u] = true
			for _, st := range t.Knowledge.Streams[i] {
				if !seen[st.Behavior] {
					seen[st.Behavior] = true
					k.Behaviors++
				}
			}
		}
		for c, n := range t.FullTrainCounts {
			if !t.Anchor[c] && n > 0 && !seen[c] {
				k.TailAbsent++
			}
		}
		s.Knowledge = k
	}
	all := map[string]int{}
	for ui, u := range log.Users {
		if inKnowledge[ui] {
			continue
		}
		s.Users++
		s.Events += len(u.Events)
		for _, e := range u.Events {
			all[e.Behavior]++
		}
	}
	for _, n := range all {
		if float64(n)/float64(s.Events) > t.Config.AnchorMinShare {
			s.AnchorsAllEvents++
		}
	}
	anchorTrain := 0
	for c, n := range t.FullTrainCounts {
		s.Train += n
		if t.Anchor[c] {
			s.Anchors++
			anchorTrain += n
		}
	}
	s.AnchorCoverage = float64(anchorTrain) / float64(s.Train)
	for _, x := range t.Train {
		if !t.Anchor[x.Target] {
			s.TailTrainAfterK++
		}
	}
	return s
}
