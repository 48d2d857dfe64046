package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestShippedDataSets(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		users, events, classes int
		anchorsAll, minAnchors int
		maxAnchors             int
	}{
		{"nyc", 1055, 66504, 292, 22, 18, 26},
		{"geolife", 45, 16622, 1182, 20, 15, 25},
	} {
		log, err := Load(Spec{Loader: tc.name})
		if err != nil {
			t.Fatal(err)
		}
		task, err := BuildTask(log, DefaultSampleConfig(), 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := ComputeStats(log, task)
		if s.Users != tc.users || s.Events != tc.events || s.Behaviors != tc.classes || s.AnchorsAllEvents != tc.anchorsAll {
			t.Errorf("%s: got %d users, %d events, %d behaviors, %d anchors on all events; want %d, %d, %d, %d",
				tc.name, s.Users, s.Events, s.Behaviors, s.AnchorsAllEvents, tc.users, tc.events, tc.classes, tc.anchorsAll)
		}
		if s.Anchors < tc.minAnchors || s.Anchors > tc.maxAnchors {
			t.Errorf("%s: %d anchors on training targets, want %d..%d", tc.name, s.Anchors, tc.minAnchors, tc.maxAnchors)
		}
		if got := s.Train + s.Valid + s.Test; got != s.Events-s.Users {
			t.Errorf("%s: %d samples, want events-users = %d", tc.name, got, s.Events-s.Users)
		}
	}
}

func TestNYCFirstEvents(t *testing.T) {
	log, err := Load(Spec{Loader: "nyc"})
	if err != nil {
		t.Fatal(err)
	}
	u := log.Users[0]
	want := Event{Time: time.Date(2012, 4, 8, 16, 2, 10, 0, time.UTC), Weekday: time.Sunday, Hour: 16, Behavior: "Bar"}
	if u.ID != "1" || !cmp.Equal(u.Events[0], want) {
		t.Errorf("first event of user %s = %+v, want user 1 %+v", u.ID, u.Events[0], want)
	}
}

func TestAppUsageAndLSAppFixtures(t *testing.T) {
	app, err := Load(Spec{Loader: "appusage", Path: "testdata/appusage.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Users) != 2 || app.NumEvents() != 5 || app.Users[0].Events[1].Behavior != "app7" || app.Users[0].Events[1].Hour != 8 {
		t.Errorf("appusage fixture parsed wrong: %+v", app.Users)
	}
	for _, p := range []string{"testdata/lsapp.tsv", "testdata/lsapp.tsv.gz"} {
		ls, err := Load(Spec{Loader: "lsapp", Path: p})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range ls.Users {
			for _, e := range u.Events {
				got = append(got, u.ID+":"+e.Behavior)
			}
		}
		want := []string{"1:Chrome", "1:Gmail", "2:WhatsApp", "2:Chrome"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: only Opened events, in time order (-want +got):\n%s", p, diff)
		}
	}
}

func TestSplitIsChronologicalPerUser(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 5, EventsPerUser: 21, Behaviors: 40, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	task, err := BuildTask(log, DefaultSampleConfig(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	// 20 samples per user: 16 train, 2 valid, 2 test.
	if len(task.Train) != 80 || len(task.Valid) != 10 || len(task.Test) != 10 {
		t.Fatalf("split sizes %d/%d/%d, want 80/10/10", len(task.Train), len(task.Valid), len(task.Test))
	}
	for u := range 5 {
		tr := task.Train[u*16+15]
		te := task.Test[u*2]
		if len(te.History) != 19 || len(tr.History) != 16 {
			t.Errorf("user %d: history lengths %d (last train), %d (first test); want 16, 19", u, len(tr.History), len(te.History))
		}
		// The streams end with the last training target.
		st := task.Streams[u]
		if len(st) != 17 || st[16] != tr.Next {
			t.Errorf("user %d: stream has %d steps ending %+v, want 17 ending with the last training target %+v", u, len(st), st[len(st)-1], tr.Next)
		}
	}
}

func TestTailShotsDeterministicPerSeed(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 40, EventsPerUser: 80, Behaviors: 60, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	build := func(k int, seed uint64) *Task {
		task, err := BuildTask(log, DefaultSampleConfig(), k, seed)
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	a, b := build(3, 7), build(3, 7)
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("same seed built different sample sets")
	}
	if c := build(3, 8); c.Fingerprint() == a.Fingerprint() {
		t.Error("different seeds built the same tail-shot subset")
	}
	full := build(0, 7)
	counts := a.ClassCounts(a.Train)
	for c, n := range counts {
		switch {
		case a.Anchor[c] && n != full.FullTrainCounts[c]:
			t.Errorf("anchor class %d: kept %d of %d", c, n, full.FullTrainCounts[c])
		case !a.Anchor[c] && n != min(3, full.FullTrainCounts[c]):
			t.Errorf("tail class %d: kept %d, want min(3, %d)", c, n, full.FullTrainCounts[c])
		}
	}
	if a.Fingerprint() == full.Fingerprint() {
		t.Error("k=3 and k=all built the same training set")
	}
	if !cmp.Equal(a.Test, full.Test) || !cmp.Equal(a.Valid, full.Valid) {
		t.Error("the tail-shot restriction changed valid or test")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nycHeader := "user_id,trajectory,timestamp,venue_id,category,parent_category\n"
	for _, tc := range []struct {
		name, loader, path, want string
	}{
		{"unknown loader", "nope", "", `unknown data set loader "nope"`},
		{"missing file", "nyc", filepath.Join(dir, "absent.csv"), "absent.csv"},
		{"empty file", "nyc", write("empty.csv", ""), "empty.csv: empty file"},
		{"missing column", "nyc", write("nocat.csv", "user_id,timestamp\n1,2012-04-08T16:02:10\n"), `nocat.csv:1: missing column "category"`},
		{"bad timestamp", "nyc", write("badts.csv", nycHeader+"1,t,2012-04-08T16:02:10,0,Bar,N\n1,t,yesterday,0,Bar,N\n"), `badts.csv:3: bad timestamp "yesterday"`},
		{"short row", "nyc", write("short.csv", nycHeader+"1,t,2012-04-08T16:02:10\n"), "short.csv:2"},
		{"empty field", "nyc", write("emptycat.csv", nycHeader+"1,t,2012-04-08T16:02:10,0,,N\n"), "emptycat.csv:2: empty category"},
		{"non UTF-8", "nyc", write("latin1.csv", nycHeader+"1,t,2012-04-08T16:02:10,0,Caf\xe9,N\n"), "latin1.csv:2: invalid UTF-8"},
		{"header only", "nyc", write("header.csv", nycHeader), "header.csv: no events"},
		{"geolife weekday", "geolife", write("gl.csv", "id,user_id,location_id,duration,start_day,end_day,start_min,end_min,weekday\n0,1,2,64.0,0,0,183,248,9\n"), "gl.csv:2: out of range"},
		{"geolife not int", "geolife", write("gl2.csv", "id,user_id,location_id,duration,start_day,end_day,start_min,end_min,weekday\n0,1,2,64.0,x,0,183,248,1\n"), `gl2.csv:2: column start_day: "x" is not an integer`},
		{"appusage no path", "appusage", "", "path is required"},
		{"appusage bad time", "appusage", write("au.txt", "1 2016042008 100 5 1\n"), "au.txt:1: bad timestamp"},
		{"lsapp bad time", "lsapp", write("ls.tsv", "user_id\tsession_id\ttimestamp\tapp_name\tevent_type\n1\t1\tnoon\tChrome\tOpened\n"), "ls.tsv:2: bad timestamp"},
	} {
		_, err := Load(Spec{Loader: tc.loader, Path: tc.path})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestBuildTaskErrors(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 2, EventsPerUser: 10, Behaviors: 40, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	bad := DefaultSampleConfig()
	bad.Split.Test = 0.5
	for name, tc := range map[string]struct {
		cfg  SampleConfig
		k    int
		want string
	}{
		"negative k":  {DefaultSampleConfig(), -1, "tail_shots"},
		"split":       {bad, 0, "split"},
		"history_len": {SampleConfig{Split: bad.Split, AnchorMinShare: 0.01}, 0, "history_len"},
	} {
		if _, err := BuildTask(log, tc.cfg, tc.k, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %q", name, err, tc.want)
		}
	}
	one := &Log{Name: "one", Users: []User{{ID: "1", Events: []Event{{Behavior: "a"}}}}}
	if _, err := BuildTask(one, DefaultSampleConfig(), 0, 1); err == nil || !strings.Contains(err.Error(), "too few events") {
		t.Errorf("a user with one event: got %v, want a too-few-events error", err)
	}
}

func TestAppUsageSeparatorsOnly(t *testing.T) {
	_, err := ReadAppUsage([]namedReader{{"seps.txt", strings.NewReader(",,,\n")}})
	if err == nil || !strings.Contains(err.Error(), "seps.txt:1: want at least 4 fields") {
		t.Errorf("got %v, want a field-count error on line 1", err)
	}
}

// TestStreamKeptMatchesTrain checks that the stream events left as pretraining targets are the
// targets of the kept training samples, plus anchors as first events: per tail class, the kept
// events count the same as Train's targets (so at most k), and every removed event is a tail
// behavior.
func TestStreamKeptMatchesTrain(t *testing.T) {
	log, err := Synthetic(SyntheticConfig{Users: 40, EventsPerUser: 80, Behaviors: 60, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	all, err := BuildTask(log, DefaultSampleConfig(), 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if all.StreamKept != nil {
		t.Error("k = all: StreamKept should be nil")
	}
	task, err := BuildTask(log, DefaultSampleConfig(), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(task.StreamKept) != len(task.Streams) {
		t.Fatalf("StreamKept has %d streams, want %d", len(task.StreamKept), len(task.Streams))
	}
	got := make([]int, task.NumClasses())
	removed := 0
	for i, st := range task.Streams {
		if len(task.StreamKept[i]) != len(st) {
			t.Fatalf("stream %d: %d flags for %d events", i, len(task.StreamKept[i]), len(st))
		}
		if first := st[0].Behavior; task.StreamKept[i][0] != task.Anchor[first] {
			t.Errorf("stream %d: first event (behavior %d, anchor %v) kept = %v; want kept only for anchors", i, first, task.Anchor[first], task.StreamKept[i][0])
		} else if task.Anchor[first] {
			got[first]-- // a stream's first event is no sample's target
		}
		for j := 0; j < len(st); j++ {
			c := st[j].Behavior
			if task.StreamKept[i][j] {
				got[c]++
				continue
			}
			if j == 0 {
				continue
			}
			removed++
			if task.Anchor[c] {
				t.Errorf("stream %d event %d: anchor behavior %d marked removed", i, j, c)
			}
		}
	}
	if diff := cmp.Diff(task.ClassCounts(task.Train), got); diff != "" {
		t.Errorf("kept stream targets per class differ from Train's targets (-train +streams):\n%s", diff)
	}
	if want := len(all.Train) - len(task.Train); removed != want || removed == 0 {
		t.Errorf("%d events marked removed, want %d (> 0)", removed, want)
	}
}

// TestSyntheticUsesZeroAsGiven checks that sequential: 0 generates a log without the successor
// structure instead of silently taking the default 0.6.
func TestSyntheticUsesZeroAsGiven(t *testing.T) {
	c := DefaultSyntheticConfig()
	def, err := Synthetic(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Sequential = 0
	zero, err := Synthetic(c)
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for u, evs := range def.Users {
		for i, e := range evs.Events {
			if zero.Users[u].Events[i].Behavior == e.Behavior {
				same++
			}
		}
	}
	if same == def.NumEvents() {
		t.Error("sequential: 0 generated the same log as the default 0.6")
	}
	for _, bad := range []SyntheticConfig{{Users: 100_000_000, EventsPerUser: 100, Behaviors: 40}, {Users: 1, EventsPerUser: 2, Behaviors: 1}} {
		if _, err := Synthetic(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
