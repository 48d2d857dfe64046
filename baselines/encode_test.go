package baselines

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/behaviorlm/harness/datasets"
)

func TestEncodeLeftPadsAndAppendsMask(t *testing.T) {
	s := datasets.Sample{
		History: []datasets.Step{{Behavior: 4, Weekday: 1, Hour: 9}, {Behavior: 0, Weekday: 2, Hour: 23}},
		Next:    datasets.Step{Behavior: 2, Weekday: 3, Hour: 0},
		Target:  2,
	}
	long := datasets.Sample{Target: 1}
	for b := range int32(6) {
		long.History = append(long.History, datasets.Step{Behavior: b})
	}
	enc := encoding{historyLen: 4, appendMask: true, maskID: 7, timeContext: true}
	in, labels := enc.encode([]datasets.Sample{s, long})
	if in.N != 2 || len(in.Arrays) != 4 || !slices.Equal(labels, []int32{2, 1}) {
		t.Fatalf("got N=%d, %d arrays, labels %v", in.N, len(in.Arrays), labels)
	}
	for _, tc := range []struct {
		name string
		got  []int32
		want []int32
	}{
		{"items", in.Arrays[0].Data, []int32{0, 0, 5, 1, 7, 3, 4, 5, 6, 7}},
		{"weekday", in.Arrays[enc.weekdayIndex()].Data, []int32{0, 0, 2, 3, 4, 1, 1, 1, 1, 1}},
		{"hour", in.Arrays[enc.hourIndex()].Data, []int32{0, 0, 10, 24, 1, 1, 1, 1, 1, 1}},
		{"pos", in.Arrays[enc.posIndex()].Data, []int32{4, 4}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	plain, _ := encoding{historyLen: 3}.encode([]datasets.Sample{s})
	if len(plain.Arrays) != 1 || !slices.Equal(plain.Arrays[0].Data, []int32{0, 5, 1}) {
		t.Errorf("plain encoding = %+v, want one array [0 5 1]", plain.Arrays)
	}
}

func TestClozeMaskNeverMasksPadding(t *testing.T) {
	const maskID = 99
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range []float64{0.2, 0.5, 1} {
		masks := 0
		for trial := 0; trial < 2000; trial++ {
			present := 1 + rng.IntN(8)
			row := make([]int32, 9) // 8 history slots + final [mask]
			for i := 8 - present; i < 8; i++ {
				row[i] = 1 + rng.Int32N(20)
			}
			row[8] = maskID
			out, masked := clozeMask(row, 8, maskID, p, rng)
			if len(masked) == 0 {
				t.Fatalf("p=%g: nothing masked in %v", p, row)
			}
			for i, v := range out {
				switch {
				case row[i] == 0 && v != 0:
					t.Fatalf("p=%g: padding position %d masked: %v -> %v", p, i, row, out)
				case i == 8 && v != maskID:
					t.Fatalf("final [mask] changed: %v", out)
				case i < 8 && v != row[i] && v != maskID:
					t.Fatalf("position %d changed to %d, not the mask", i, v)
				case i < 8 && v == maskID:
					masks++
					if !slices.Contains(masked, i) {
						t.Fatalf("position %d masked but not reported in %v", i, masked)
					}
				}
			}
			if p == 1 && len(masked) != present {
				t.Fatalf("p=1 masked %d of %d history items", len(masked), present)
			}
		}
		if masks == 0 {
			t.Fatalf("p=%g: no masks at all", p)
		}
	}
	allPad := []int32{0, 0, 0, maskID}
	if out, masked := clozeMask(allPad, 3, maskID, 1, rng); len(masked) != 0 || !slices.Equal(out, allPad) {
		t.Errorf("empty history: masked %v -> %v", masked, out)
	}
}

func TestAppendClozeLabelsAreMaskedItems(t *testing.T) {
	task := tinyTask(20, 5, 6, 2)
	enc := encoding{historyLen: 6, appendMask: true, maskID: 6, timeContext: true}
	in, labels := enc.encode(task.Train)
	out, outLabels := enc.appendCloze(in, labels, 2, 0.3, rand.New(rand.NewPCG(3, 4)))
	if out.N != 60 || len(outLabels) != 60 {
		t.Fatalf("got %d examples, %d labels; want 20 + 2x20", out.N, len(outLabels))
	}
	if err := out.Validate(); err != nil {
		t.Fatal(err)
	}
	l := enc.itemLen()
	for i := 20; i < out.N; i++ {
		src := (i - 20) % 20
		row := out.Arrays[0].Data[i*l : (i+1)*l]
		pos := out.Arrays[enc.posIndex()].Data[i]
		orig := in.Arrays[0].Data[src*l : (src+1)*l]
		if row[pos] != enc.maskID || pos >= int32(enc.historyLen) {
			t.Fatalf("cloze example %d: pos %d holds %d, want a masked history position", i, pos, row[pos])
		}
		if outLabels[i] != orig[pos]-1 {
			t.Fatalf("cloze example %d: label %d, want the masked behavior %d", i, outLabels[i], orig[pos]-1)
		}
		if !slices.Equal(out.Arrays[1].Data[i*(l):(i+1)*l], in.Arrays[1].Data[src*l:(src+1)*l]) {
			t.Fatalf("cloze example %d: time context not copied", i)
		}
	}
}
