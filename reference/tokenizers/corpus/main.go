// Command corpus writes the strings of the tokenizer fixture (internal/hf/tokenizer/testdata):
// seeded random Unicode, English text, every behavior name of the nyc and geolife data sets (bare
// and as the hf backbone tokenizes them after a prompt, " name\n"), and the rendered hf prompts
// of their test samples. One JSON string per line on stdout.
//
//	go run ./reference/tokenizers/corpus > corpus.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/experiments"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func run() error {
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	emit := func(s string) error {
		if !utf8.ValidString(s) {
			return fmt.Errorf("invalid UTF-8 %q", s)
		}
		return enc.Encode(s)
	}
	rng := rand.New(rand.NewPCG(15, 2505))
	for range 3000 {
		if err := emit(randomText(rng)); err != nil {
			return err
		}
	}
	english, err := englishLines()
	if err != nil {
		return err
	}
	for _, s := range english {
		if err := emit(s); err != nil {
			return err
		}
	}
	for _, name := range []string{"nyc", "geolife"} {
		log, err := datasets.Load(datasets.Spec{Loader: name})
		if err != nil {
			return err
		}
		task, err := datasets.BuildTask(log, datasets.DefaultSampleConfig(), 0, 1)
		if err != nil {
			return err
		}
		for _, b := range task.Behaviors {
			if err := emit(b); err != nil {
				return err
			}
			if err := emit(" " + b + "\n"); err != nil {
				return err
			}
		}
		// Every 4th test sample's prompt: all behaviors and hours appear, the fixture stays small.
		for i := 0; i < len(task.Test); i += 4 {
			s := task.Test[i]
			if err := emit(experiments.RenderHFPrompt(task.Behaviors, s.History, s.Next)); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

// englishLines returns the non-empty lines of the repository's Markdown files (English prose,
// code, tables), each at most 400 bytes, in a fixed order, at most 1500 of them.
func englishLines() ([]string, error) {
	var files []string
	for _, pat := range []string{"README.md", "*/README.md", "*/*/README.md"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no README.md found: run from the repository root")
	}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(line) == "" || len(line) > 400 || !utf8.ValidString(line) {
				continue
			}
			out = append(out, line)
			if len(out) == 1500 {
				return out, nil
			}
		}
	}
	return out, nil
}

// pieces are the building blocks of random text, each a generator of one short run.
var pieces = []func(r *rand.Rand) string{
	func(r *rand.Rand) string { return pick(r, words) },
	func(r *rand.Rand) string { return " " + pick(r, words) },
	func(r *rand.Rand) string { return strings.ToUpper(pick(r, words)) },
	func(r *rand.Rand) string {
		return pick(r, []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "’s", "n't"})
	},
	func(r *rand.Rand) string { return strings.Repeat(" ", 1+r.IntN(12)) },
	func(r *rand.Rand) string { return strings.Repeat("\t", 1+r.IntN(3)) },
	func(r *rand.Rand) string { return strings.Repeat("\r\n", 1+r.IntN(3)) },
	func(r *rand.Rand) string { return strings.Repeat("\n", 1+r.IntN(4)) },
	func(r *rand.Rand) string {
		return pick(r, []string{"\u00a0", "\u00a0\u00a0", " \u00a0", "\u2003", "\u3000", "\u200b", "\ufeff", "\u2028", "\v", "\f", "\u0085"})
	},
	func(r *rand.Rand) string { return digits(r, 1+r.IntN(40)) },
	func(r *rand.Rand) string { return " " + digits(r, 1+r.IntN(8)) },
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(6), 0xFF10, 0xFF19) }, // full-width digits
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(4), 0x0660, 0x0669) }, // Arabic-Indic digits
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(3), 0x2160, 0x216F) }, // Roman numerals (Nl)
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(3), 0x00B2, 0x00B3) + runes(r, 1, 0x2070, 0x2079) },
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(8), 0x4E00, 0x9FFF) }, // CJK
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(5), 0x3040, 0x30FF) }, // kana
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(5), 0xAC00, 0xD7A3) }, // Hangul syllables
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(4), 0x1100, 0x1112) + runes(r, 1, 0x1161, 0x1175) },
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(6), 0x0400, 0x04FF) },   // Cyrillic
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(6), 0x0370, 0x03FF) },   // Greek
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(6), 0x0600, 0x06FF) },   // Arabic
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(6), 0x0900, 0x097F) },   // Devanagari
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(6), 0x0E00, 0x0E7F) },   // Thai
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(4), 0x1F300, 0x1FAFF) }, // emoji
	func(r *rand.Rand) string {
		return pick(r, []string{"👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇯🇵", "❤️", "☕️", "1️⃣", "🧑🏿‍💻", "😀😃😄"})
	},
	func(r *rand.Rand) string { // letters with combining marks, often decomposed forms NFC composes
		base := pick(r, []string{"e", "a", "o", "u", "n", "c", "A", "E", "i", "z", "ᄀ"})
		return base + runes(r, 1+r.IntN(3), 0x0300, 0x036F)
	},
	func(r *rand.Rand) string {
		return pick(r, []string{"é", "é", "Å", "Å", "ﬁ", "Ω", "Ω", "ｶ", "㍿", "ñ", "ñ"})
	},
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(4), 0x0021, 0x007E) }, // ASCII punctuation and all
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(3), 0x2000, 0x206F) }, // general punctuation
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(3), 0x00A1, 0x00FF) }, // Latin-1
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(3), 0x0080, 0x009F) }, // C1 controls
	func(r *rand.Rand) string { return runes(r, 1+r.IntN(3), 0x0001, 0x001F) }, // C0 controls
	func(r *rand.Rand) string { return anyRunes(r, 1+r.IntN(4)) },
	func(r *rand.Rand) string {
		return pick(r, []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|eot_id|>", "<|endoftext|", "<|", "|>", "<think>"})
	},
}

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his from at which
but have an they you were her she there been one all would their we him has when who will more no if out so said what up
its about into than them can only other new some could time these two may then do first any my now such like our over
man me even most made after also did many before must through back years where much your way well down should because
Hello hello HELLO world café naïve résumé München Zürich São Paulo Tōkyō coffee Shop Office Bar Airport Subway Gym`)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func runes(r *rand.Rand, n int, lo, hi rune) string {
	var b strings.Builder
	for range n {
		b.WriteRune(lo + rune(r.IntN(int(hi-lo+1))))
	}
	return b.String()
}

// anyRunes returns n code points drawn from all planes (surrogates excluded).
func anyRunes(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() == 0 || utf8.RuneCountInString(b.String()) < n {
		var c rune
		switch r.IntN(3) {
		case 0:
			c = rune(r.IntN(0x800))
		case 1:
			c = rune(r.IntN(0x10000))
		default:
			c = rune(r.IntN(0x110000))
		}
		if c == 0 || (c >= 0xD800 && c <= 0xDFFF) {
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// randomText joins 1 to 12 random pieces.
func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))](r))
	}
	return b.String()
}
