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
}

// ComputeStats returns the statistics of a log and a task built from it.
func ComputeStats(log *Log, t *Task) Stats {
	s := Stats{Dataset: log.Name, Users: len(log.Users), Events: log.NumEvents(), Behaviors: len(t.Behaviors),
		Valid: len(t.Valid), Test: len(t.Test)}
	all := map[string]int{}
	for _, u := range log.Users {
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
