package tokenizer

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// GPT2Pattern is the pre-tokenizer regex of GPT-2, used by a ByteLevel pre-tokenizer with
// use_regex=true.
const GPT2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// lookaheadAlt is the only lookahead construct the splitter supports; it appears in the GPT-2,
// Llama-3 and Qwen2 patterns.
const lookaheadAlt = `\s+(?!\S)`

// regexSplitter splits text like a tokenizers "Split" pre-tokenizer with behavior "Isolated": the
// pattern's matches and the text between them become pieces.
//
// Go's regexp has no lookahead, so the pattern is cut into its top-level alternatives
// A1|...|Ak|\s+(?!\S)|B1|...; at each position the splitter tries, in order, the alternatives
// before the lookahead one (Go's leftmost-first semantics pick the same alternative and length as a
// backtracking engine would for them), then emulates \s+(?!\S) by hand (the longest run of
// whitespace that is not followed by a non-space: the whole run at the end of the text, else the
// run minus its last character, else no match), then the alternatives after it. This reproduces
// the backtracking engine exactly for patterns whose only lookahead is that top-level alternative.
type regexSplitter struct {
	before, after *regexp.Regexp // anchored; either may be nil
	lookahead     bool
}

func newRegexSplitter(pattern string) (*regexSplitter, error) {
	alts, err := topLevelAlternatives(pattern)
	if err != nil {
		return nil, err
	}
	rs := &regexSplitter{}
	var before, after []string
	for _, a := range alts {
		switch {
		case a == lookaheadAlt && !rs.lookahead:
			rs.lookahead = true
		case strings.Contains(a, "(?=") || strings.Contains(a, "(?!") || strings.Contains(a, "(?<"):
			return nil, fmt.Errorf("pre-tokenizer pattern alternative %q uses a lookaround other than a top-level %s", a, lookaheadAlt)
		case rs.lookahead:
			after = append(after, a)
		default:
			before = append(before, a)
		}
	}
	compile := func(alts []string) (*regexp.Regexp, error) {
		if len(alts) == 0 {
			return nil, nil
		}
		expr, err := unicodeClasses(`^(?:` + strings.Join(alts, "|") + `)`)
		if err != nil {
			return nil, fmt.Errorf("pre-tokenizer pattern %q: %w", pattern, err)
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("pre-tokenizer pattern %q: %w", pattern, err)
		}
		return re, nil
	}
	if rs.before, err = compile(before); err != nil {
		return nil, err
	}
	if rs.after, err = compile(after); err != nil {
		return nil, err
	}
	return rs, nil
}

// topLevelAlternatives splits a regex at the '|' that are outside groups and character classes.
func topLevelAlternatives(pattern string) ([]string, error) {
	var alts []string
	depth, start := 0, 0
	inClass := false
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				i++
			}
			if i+1 < len(pattern) && pattern[i+1] == ']' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("pre-tokenizer pattern %q: unbalanced ')'", pattern)
			}
		case c == '|' && depth == 0:
			alts = append(alts, pattern[start:i])
			start = i + 1
		}
	}
	if depth != 0 || inClass {
		return nil, fmt.Errorf("pre-tokenizer pattern %q: unbalanced group or class", pattern)
	}
	return append(alts, pattern[start:]), nil
}

// Unicode versions of the Perl classes, as Oniguruma (the tokenizers crate's engine) reads them;
// Go's \s, \d and \w are ASCII-only.
const (
	uniSpace = `\t-\r \x{85}\p{Z}` // White_Space
	uniDigit = `\p{Nd}`
	uniWord  = `\p{L}\p{M}\p{Nd}\p{Pc}`
)

// unicodeClasses rewrites \s, \S, \d, \D, \w and \W into explicit Unicode classes.
func unicodeClasses(expr string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c == '\\' && i+1 < len(expr) {
			next := expr[i+1]
			i++
			var set string
			switch next {
			case 's', 'S':
				set = uniSpace
			case 'd', 'D':
				set = uniDigit
			case 'w', 'W':
				set = uniWord
			default:
				b.WriteByte(c)
				b.WriteByte(next)
				continue
			}
			negated := next == 'S' || next == 'D' || next == 'W'
			switch {
			case inClass && negated:
				return "", fmt.Errorf("negated class \\%c inside [...] is not supported", next)
			case inClass:
				b.WriteString(set)
			case negated:
				b.WriteString("[^" + set + "]")
			default:
				b.WriteString("[" + set + "]")
			}
			continue
		}
		switch {
		case inClass && c == ']':
			inClass = false
		case !inClass && c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(expr) && expr[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(expr) && expr[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// matchAt returns the length in bytes of the match starting at s[i:], or 0 if none.
func (rs *regexSplitter) matchAt(s string, i int) int {
	rest := s[i:]
	if rs.before != nil {
		if loc := rs.before.FindStringIndex(rest); loc != nil && loc[1] > 0 {
			return loc[1]
		}
	}
	if rs.lookahead {
		// \s+(?!\S): the whitespace run, given back one character when a non-space follows.
		end, last := 0, 0
		for end < len(rest) {
			r, size := utf8.DecodeRuneInString(rest[end:])
			if !isRegexSpace(r) {
				break
			}
			last = end
			end += size
		}
		switch {
		case end == 0:
		case end == len(rest):
			return end
		case last > 0:
			return last
		}
	}
	if rs.after != nil {
		if loc := rs.after.FindStringIndex(rest); loc != nil && loc[1] > 0 {
			return loc[1]
		}
	}
	return 0
}

// isRegexSpace is \s as the tokenizers crate's regex engine (Oniguruma) sees it: Unicode
// White_Space.
func isRegexSpace(r rune) bool {
	return unicode.IsSpace(r)
}

// split returns the pieces of s: each match, and each run of unmatched text between matches.
func (rs *regexSplitter) split(s string) []string {
	var pieces []string
	gap := -1 // start of a run of unmatched text
	for i := 0; i < len(s); {
		n := rs.matchAt(s, i)
		if n == 0 {
			if gap < 0 {
				gap = i
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		if gap >= 0 {
			pieces = append(pieces, s[gap:i])
			gap = -1
		}
		pieces = append(pieces, s[i:i+n])
		i += n
	}
	if gap >= 0 {
		pieces = append(pieces, s[gap:])
	}
	return pieces
}

// byteToUnicode is GPT-2's reversible mapping of bytes to printable runes, and unicodeToByte its
// inverse.
func byteLevelTables() (toRune [256]rune, toByte map[rune]byte) {
	toByte = make(map[rune]byte, 256)
	n := 0
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if printable {
			toRune[b] = rune(b)
		} else {
			toRune[b] = rune(256 + n)
			n++
		}
		toByte[toRune[b]] = byte(b)
	}
	return toRune, toByte
}
