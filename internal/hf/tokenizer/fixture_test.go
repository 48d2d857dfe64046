package tokenizer

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/behaviorlm/harness/internal/hf/hftest"
)

// flavours are the fixture checkpoints of package hf, made by reference/hf/make_fixture.py.
var flavours = []string{"llama", "qwen2"}

func fixtureDir(flavour string) string { return filepath.Join("..", "testdata", flavour) }

type expectedFixture struct {
	Prompts    []hftest.Prompt `json:"prompts"`
	Splits     []splitCase     `json:"splits"`
	GPT2Splits []splitCase     `json:"gpt2_splits"`
}

type splitCase struct {
	Text   string   `json:"text"`
	Pieces []string `json:"pieces"`
}

func readExpected(t *testing.T, flavour string) *expectedFixture {
	t.Helper()
	var e expectedFixture
	hftest.ReadJSON(t, fixtureDir(flavour)+".expected.json", &e)
	return &e
}

func checkSplits(t *testing.T, split func(string) []string, cases []splitCase) {
	t.Helper()
	if len(cases) == 0 {
		t.Fatal("no split cases in the fixture")
	}
	for _, s := range cases {
		got := split(s.Text)
		if len(got) != len(s.Pieces) || (len(got) > 0 && !slices.Equal(got, s.Pieces)) {
			t.Errorf("split(%q) = %q, python regex %q", s.Text, got, s.Pieces)
		}
	}
}

func TestTokenizerMatchesReference(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			tk, err := Load(fixtureDir(fl))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range readExpected(t, fl).Prompts {
				ids, err := tk.Encode(p.Text, false)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids, p.IDs) {
					t.Errorf("Encode(%q) = %v, reference %v", p.Text, ids, p.IDs)
				}
				ids, err = tk.Encode(p.Text, true)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids, p.IDsSpecial) {
					t.Errorf("Encode(%q, special) = %v, reference %v", p.Text, ids, p.IDsSpecial)
				}
				if got := tk.Decode(p.IDs, false); got != p.Text {
					t.Errorf("Decode(Encode(%q)) = %q", p.Text, got)
				}
			}
		})
	}
}

func TestPreTokenizerMatchesReference(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			tk, err := Load(fixtureDir(fl))
			if err != nil {
				t.Fatal(err)
			}
			if len(tk.preTok) != 1 {
				t.Fatalf("fixture pre-tokenizer has %d stages, want 1 (Split; ByteLevel without regex)", len(tk.preTok))
			}
			checkSplits(t, tk.preTok[0], readExpected(t, fl).Splits)
		})
	}
	t.Run("gpt2", func(t *testing.T) {
		rs, err := newRegexSplitter(GPT2Pattern)
		if err != nil {
			t.Fatal(err)
		}
		checkSplits(t, rs.split, readExpected(t, "llama").GPT2Splits)
	})
}
