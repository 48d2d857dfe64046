package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Tokenizer is a byte-level BPE tokenizer read from a Hugging Face tokenizer.json, as Llama-3,
// Qwen2 and GPT-2 ship it: added (special) tokens are split off first, then the text is
// normalized, pre-tokenized (regex split, GPT-2 byte-to-unicode mapping), and each piece is
// encoded with the BPE merges ranks.
//
// Supported: normalizer null or NFC (see below); pre-tokenizers Split (regex or string, behavior
// Isolated), ByteLevel and Sequence; model BPE (merges as "a b" strings or pairs, ignore_merges);
// post-processors TemplateProcessing, ByteLevel and Sequence; decoder ByteLevel.
//
// The NFC normalizer uses golang.org/x/text/unicode/norm. Approximation: added tokens are matched
// in the raw text whether or not they are marked normalized.
// A Tokenizer is safe for concurrent use.
type Tokenizer struct {
	vocab       map[string]int
	idToToken   []string
	ranks       map[[2]string]int
	ignoreMerge bool
	unkID       int  // -1 when none
	nfc         bool // the normalizer composes text to Unicode NFC

	added      []addedToken          // sorted by decreasing content length
	addedByB0  map[byte][]addedToken // added tokens by first byte, longest first
	addedByID  map[int]string
	preTok     []preTokenizer
	template   []templatePiece // post-processing of a single sequence; nil = none
	toRune     [256]rune
	toByte     map[rune]byte
	mu         sync.Mutex
	cache      map[string][]int
	vocabSize  int
	sourcePath string
}

type addedToken struct {
	ID                         int
	Content                    string
	SingleWord, LStrip, RStrip bool
	Special                    bool
}

// preTokenizer maps one piece of text to its sub-pieces.
type preTokenizer func(piece string) []string

// templatePiece is one element of a TemplateProcessing "single" template: either the sequence
// itself (ids == nil) or special token ids.
type templatePiece struct {
	ids []int
}

// Load reads dir/tokenizer.json.
func Load(dir string) (*Tokenizer, error) {
	path := filepath.Join(dir, "tokenizer.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	tk, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	tk.sourcePath = path
	return tk, nil
}

func (tk *Tokenizer) lookup(tok string) (int, bool) {
	if id, ok := tk.vocab[tok]; ok {
		return id, true
	}
	for _, a := range tk.added {
		if a.Content == tok {
			return a.ID, true
		}
	}
	return 0, false
}

// VocabSize is one more than the largest token id (vocabulary and added tokens).
func (tk *Tokenizer) VocabSize() int { return tk.vocabSize }

// TokenID returns the id of a vocabulary or added token.
func (tk *Tokenizer) TokenID(token string) (int, bool) { return tk.lookup(token) }

// Token returns the vocabulary string of id ("" when out of range).
func (tk *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(tk.idToToken) {
		return ""
	}
	return tk.idToToken[id]
}

// Encode tokenizes text. With addSpecial, the post-processor's template for a single sequence is
// applied (e.g. Llama-3 prepends <|begin_of_text|>). Added tokens appearing in the text (e.g.
// "<|im_start|>") are encoded as their ids.
func (tk *Tokenizer) Encode(text string, addSpecial bool) ([]int, error) {
	var ids []int
	for _, seg := range tk.splitAdded(text) {
		if seg.added >= 0 {
			ids = append(ids, seg.added)
			continue
		}
		text := seg.text
		if tk.nfc {
			text = norm.NFC.String(text)
		}
		pieces := []string{text}
		for _, pt := range tk.preTok {
			var next []string
			for _, p := range pieces {
				next = append(next, pt(p)...)
			}
			pieces = next
		}
		for _, p := range pieces {
			if p == "" {
				continue
			}
			pids, err := tk.encodeWord(p)
			if err != nil {
				return nil, err
			}
			ids = append(ids, pids...)
		}
	}
	if addSpecial && tk.template != nil {
		var out []int
		for _, t := range tk.template {
			if t.ids == nil {
				out = append(out, ids...)
			} else {
				out = append(out, t.ids...)
			}
		}
		ids = out
	}
	return ids, nil
}

type segment struct {
	text  string
	added int // id of an added token, or -1 for plain text
}

// splitAdded cuts text at occurrences of added tokens (leftmost, then longest), honouring lstrip,
// rstrip and single_word.
func (tk *Tokenizer) splitAdded(text string) []segment {
	var segs []segment
	start := 0 // start of pending plain text
	for i := 0; i < len(text); {
		matched := false
		for _, a := range tk.addedByB0[text[i]] {
			if !strings.HasPrefix(text[i:], a.Content) {
				continue
			}
			end := i + len(a.Content)
			if a.SingleWord && (isWordBefore(text, i) || isWordAfter(text, end)) {
				continue
			}
			plainEnd := i
			if a.LStrip {
				plainEnd = len(strings.TrimRightFunc(text[start:i], unicode.IsSpace)) + start
			}
			if a.RStrip {
				end = len(text) - len(strings.TrimLeftFunc(text[end:], unicode.IsSpace))
			}
			if plainEnd > start {
				segs = append(segs, segment{text: text[start:plainEnd], added: -1})
			}
			segs = append(segs, segment{added: a.ID})
			i, start, matched = end, end, true
			break
		}
		if !matched {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
		}
	}
	if start < len(text) {
		segs = append(segs, segment{text: text[start:], added: -1})
	}
	return segs
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func isWordBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && isWordRune(r)
}

func isWordAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && isWordRune(r)
}

// encodeWord byte-maps one pre-tokenized piece and applies the BPE merges.
func (tk *Tokenizer) encodeWord(piece string) ([]int, error) {
	tk.mu.Lock()
	cached, ok := tk.cache[piece]
	tk.mu.Unlock()
	if ok {
		return cached, nil
	}
	var mapped strings.Builder
	for i := 0; i < len(piece); i++ {
		mapped.WriteRune(tk.toRune[piece[i]])
	}
	word := mapped.String()
	var symbols []string
	if id, ok := tk.vocab[word]; ok && tk.ignoreMerge {
		return []int{id}, nil
	}
	for _, r := range word {
		symbols = append(symbols, string(r))
	}
	symbols = tk.merge(symbols)
	ids := make([]int, 0, len(symbols))
	for _, s := range symbols {
		id, ok := tk.vocab[s]
		if !ok {
			if tk.unkID < 0 {
				return nil, fmt.Errorf("tokenize %q: symbol %q is not in the vocabulary and there is no unk_token", piece, s)
			}
			id = tk.unkID
		}
		ids = append(ids, id)
	}
	tk.mu.Lock()
	if len(tk.cache) < 1<<16 {
		tk.cache[piece] = ids
	}
	tk.mu.Unlock()
	return ids, nil
}

// merge applies BPE: repeatedly merge every occurrence (left to right) of the adjacent pair with
// the lowest merge rank, until no adjacent pair has a rank.
func (tk *Tokenizer) merge(symbols []string) []string {
	for len(symbols) > 1 {
		best, bestRank := [2]string{}, -1
		for i := 0; i+1 < len(symbols); i++ {
			pair := [2]string{symbols[i], symbols[i+1]}
			if r, ok := tk.ranks[pair]; ok && (bestRank < 0 || r < bestRank) {
				best, bestRank = pair, r
			}
		}
		if bestRank < 0 {
			break
		}
		out := symbols[:0:0]
		for i := 0; i < len(symbols); i++ {
			if i+1 < len(symbols) && symbols[i] == best[0] && symbols[i+1] == best[1] {
				out = append(out, best[0]+best[1])
				i++
				continue
			}
			out = append(out, symbols[i])
		}
		symbols = out
	}
	return symbols
}

// Decode turns ids back into text: vocabulary tokens are mapped back to bytes, added tokens are
// written as their content. With skipSpecial, special added tokens are left out.
func (tk *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var out []byte
	for _, id := range ids {
		if content, ok := tk.addedByID[id]; ok {
			if skipSpecial && tk.isSpecial(id) {
				continue
			}
			out = append(out, content...)
			continue
		}
		for _, r := range tk.Token(id) {
			if b, ok := tk.toByte[r]; ok {
				out = append(out, b)
			} else {
				out = utf8.AppendRune(out, r)
			}
		}
	}
	return string(out)
}

func (tk *Tokenizer) isSpecial(id int) bool {
	for _, a := range tk.added {
		if a.ID == id {
			return a.Special
		}
	}
	return false
}

// CoversAllBytes reports whether every one of the 256 byte symbols is in the vocabulary, in which
// case Encode cannot fail on any text.
func (tk *Tokenizer) CoversAllBytes() bool {
	for _, r := range tk.toRune {
		if _, ok := tk.vocab[string(r)]; !ok {
			return false
		}
	}
	return true
}
