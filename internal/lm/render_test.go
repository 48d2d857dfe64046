package lm

import (
	"reflect"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/datasets"
)

func TestTokenizerUniqueTokens(t *testing.T) {
	tok, err := NewTokenizer([]string{"Coffee Shop", "Coffee_Shop", "Mon", "next:", "  ", "Office"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Coffee_Shop", "Coffee_Shop#1", "Mon#2", "next:#3", "#4", "Office"}
	for c, w := range want {
		id := tok.BehaviorID(int32(c))
		if got := tok.Token(id); got != w {
			t.Errorf("behavior %d: token %q, want %q", c, got, w)
		}
		if back, ok := tok.BehaviorOf(id); !ok || back != int32(c) {
			t.Errorf("BehaviorOf(%d) = %d, %v; want %d", id, back, ok, c)
		}
	}
	if tok.VocabSize() != 4+7+24+6 {
		t.Errorf("vocab size %d", tok.VocabSize())
	}
	if _, ok := tok.BehaviorOf(NextID); ok {
		t.Error("next: is not a behavior")
	}
	if _, err := NewTokenizer(nil); err == nil {
		t.Error("empty behavior list accepted")
	}
	if _, err := tok.Encode("Mon 08h nosuchtoken"); err == nil {
		t.Error("unknown word accepted")
	}
}

func TestRendererPromptRoundTrip(t *testing.T) {
	tok, err := NewTokenizer([]string{"Coffee Shop", "Office", "Gym"})
	if err != nil {
		t.Fatal(err)
	}
	s := datasets.Sample{
		History: []datasets.Step{{Behavior: 0, Weekday: 1, Hour: 8}, {Behavior: 1, Weekday: 1, Hour: 9}},
		Next:    datasets.Step{Behavior: 2, Weekday: 2, Hour: 10}, Target: 2,
	}
	for _, sep := range []bool{false, true} {
		r, err := NewRenderer(tok, 4, sep)
		if err != nil {
			t.Fatal(err)
		}
		text := r.Text(s)
		want := "<bos> Mon 08h Coffee_Shop Mon 09h Office Tue 10h next:"
		if sep {
			want = "<bos> Mon 08h Coffee_Shop ; Mon 09h Office ; Tue 10h next:"
		}
		if text != want {
			t.Errorf("sep=%v: text %q, want %q", sep, text, want)
		}
		in := r.Inputs([]datasets.Sample{s})
		ids := in.Arrays[0].Data
		if len(ids) != r.Len() || in.Arrays[0].Shape[0] != r.Len() {
			t.Fatalf("prompt length %d, want %d", len(ids), r.Len())
		}
		if ids[r.AnswerPos()] != NextID || r.AnswerPos() != r.Len()-1 {
			t.Errorf("answer position %d holds %q", r.AnswerPos(), tok.Token(ids[r.AnswerPos()]))
		}
		pad := strings.Repeat("<pad> ", r.Len()-len(strings.Fields(want)))
		if got := tok.Decode(ids); got != pad+want {
			t.Errorf("decoded %q, want %q", got, pad+want)
		}
		back, err := tok.Encode(tok.Decode(ids))
		if err != nil || !reflect.DeepEqual(back, ids) {
			t.Errorf("Encode(Decode(ids)) = %v, %v; want %v", back, err, ids)
		}
		// The positions before each behavior token are the behavior positions.
		pos := r.BehaviorPositions()
		if len(pos) != 5 || pos[4] != r.AnswerPos() {
			t.Fatalf("behavior positions %v", pos)
		}
		for _, p := range pos[2:4] {
			if _, ok := tok.BehaviorOf(ids[p+1]); !ok {
				t.Errorf("sep=%v: position %d is followed by %q, not a behavior", sep, p, tok.Token(ids[p+1]))
			}
		}
	}
}

func TestRendererTruncatesAndWindows(t *testing.T) {
	tok, _ := NewTokenizer([]string{"a", "b", "c"})
	r, _ := NewRenderer(tok, 2, false)
	var steps []datasets.Step
	for i := 0; i < 7; i++ {
		steps = append(steps, datasets.Step{Behavior: int32(i % 3), Weekday: uint8(i % 7), Hour: uint8(i)})
	}
	s := datasets.Sample{History: steps[:5], Next: steps[5]}
	if got, want := r.Text(s), "<bos> Wed 03h a Thu 04h b Fri 05h next:"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	tokens, targets, n := r.Windows([][]datasets.Step{steps, steps[:1], steps[:2]}, nil, 1)
	// Stream of 7 with history 2, stride 1: windows ending at 2..6 (5); a 1-event stream none; a
	// 2-event stream one window.
	if n != 6 || len(tokens) != n*r.Len() || len(targets) != n*3 {
		t.Fatalf("windows: n=%d tokens=%d targets=%d", n, len(tokens), len(targets))
	}
	if got := targets[:3]; !reflect.DeepEqual(got, []int32{0, 1, 2}) {
		t.Errorf("first window targets %v", got)
	}
	if got := targets[15:18]; !reflect.DeepEqual(got, []int32{-1, 0, 1}) {
		t.Errorf("short-stream targets %v", got)
	}
	_, _, n = r.Windows([][]datasets.Step{steps}, nil, 0) // stride 1 = max(1, 2/2)
	if n != 5 {
		t.Errorf("default stride windows %d, want 5", n)
	}
	_, _, n = r.Windows([][]datasets.Step{steps}, nil, 3) // ends 2, 5, 6
	if n != 3 {
		t.Errorf("stride-3 windows %d, want 3", n)
	}

	// kept masks the targets of events marked false wherever they fall in a window, and only
	// the targets: the prompts are the same.
	kept := [][]bool{{true, true, false, true, true, true, false}, {true}, {true, false}}
	mTokens, mTargets, mn := r.Windows([][]datasets.Step{steps, steps[:1], steps[:2]}, kept, 1)
	if mn != 6 || !reflect.DeepEqual(mTokens, tokens) {
		t.Fatal("kept changed the windows or prompts")
	}
	want := []int32{
		0, 1, -1, // events 0..2
		1, -1, 0, // 1..3
		-1, 0, 1, // 2..4
		0, 1, 2, // 3..5
		1, 2, -1, // 4..6
		-1, 0, -1, // the 2-event stream: pad, event 0, event 1 (removed)
	}
	if !reflect.DeepEqual(mTargets, want) {
		t.Errorf("masked targets\n got %v\nwant %v", mTargets, want)
	}
}
