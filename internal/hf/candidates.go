package hf

import (
	"fmt"
	"slices"

	"github.com/behaviorlm/harness/internal/hf/tokenizer"
)

// DefaultMaxTrieNodes bounds the number of candidate-name tokens scored in one forward pass (see
// Candidates).
const DefaultMaxTrieNodes = 256

// Candidates are the candidate continuations of a prompt (e.g. the behavior names), tokenized once
// and arranged in prefix trees ("tries") for shared-prefix scoring.
//
// Scoring in full mode appends a group's trie, flattened, after the prompt and runs one forward
// pass with a tree-shaped attention pattern: a trie node sees the prompt and its own ancestors, and
// sits at position len(prompt) + depth - 1. This gives every candidate exactly the log-probabilities
// it would get from its own teacher-forced pass over prompt+name, while the prompt and common
// prefixes are computed once. Candidates are sorted by tokens (so that prefixes are shared) and
// split into groups of at most MaxNodes trie nodes, to bound the attention size and the
// [parents, vocab] logits of a pass; the prompt is recomputed once per group.
type Candidates struct {
	// Names are the candidate names, in column order.
	Names []string
	// Tokens are the token ids of each candidate (prefix + name + suffix, tokenized together).
	Tokens [][]int
	groups []trieGroup
}

// trieGroup is one prefix tree over a subset of the candidates.
type trieGroup struct {
	tokens   []int   // token of each node
	parent   []int   // parent node, -1 for children of the prompt's last token
	depth    []int   // 1 for children of the prompt
	terminal [][]int // per node, the candidates (column indices) whose name ends there
}

// NewCandidates tokenizes prefix+name+suffix for every name (e.g. prefix " " so that names are
// tokenized as words in running text; a suffix such as "\n" makes the end of a name part of its
// score, so that a name is not favoured over longer names it prefixes). maxNodes <= 0 means
// DefaultMaxTrieNodes.
func NewCandidates(tk *tokenizer.Tokenizer, names []string, prefix, suffix string, maxNodes int) (*Candidates, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("candidates: no names")
	}
	if maxNodes <= 0 {
		maxNodes = DefaultMaxTrieNodes
	}
	c := &Candidates{Names: append([]string(nil), names...)}
	for _, name := range names {
		ids, err := tk.Encode(prefix+name+suffix, false)
		if err != nil {
			return nil, fmt.Errorf("candidates: %w", err)
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("candidates: name %q has no tokens", name)
		}
		if len(ids) > maxNodes {
			return nil, fmt.Errorf("candidates: name %q has %d tokens, more than the %d trie nodes of a pass", name, len(ids), maxNodes)
		}
		c.Tokens = append(c.Tokens, ids)
	}
	c.buildGroups(maxNodes)
	return c, nil
}

// buildGroups sorts candidates by their token sequences and packs them into tries of at most
// maxNodes nodes.
func (c *Candidates) buildGroups(maxNodes int) {
	order := make([]int, len(c.Tokens))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return slices.Compare(c.Tokens[a], c.Tokens[b]) })
	var g *trieGroup
	var children []map[int]int // per node: token -> child node
	var rootChildren map[int]int
	for _, ci := range order {
		ids := c.Tokens[ci]
		// Count the nodes this candidate would add to the current trie.
		added := len(ids)
		if g != nil {
			kids := rootChildren
			for d, tok := range ids {
				child, ok := kids[tok]
				if !ok {
					break
				}
				added = len(ids) - d - 1
				kids = children[child]
			}
		}
		if g == nil || len(g.tokens)+added > maxNodes {
			c.groups = append(c.groups, trieGroup{})
			g = &c.groups[len(c.groups)-1]
			children, rootChildren = nil, map[int]int{}
		}
		parent, kids := -1, rootChildren
		for d, tok := range ids {
			child, ok := kids[tok]
			if !ok {
				child = len(g.tokens)
				g.tokens = append(g.tokens, tok)
				g.parent = append(g.parent, parent)
				g.depth = append(g.depth, d+1)
				g.terminal = append(g.terminal, nil)
				children = append(children, map[int]int{})
				kids[tok] = child
			}
			parent, kids = child, children[child]
		}
		g.terminal[parent] = append(g.terminal[parent], ci)
	}
}

// NumGroups is the number of forward passes full-mode scoring makes per prompt batch.
func (c *Candidates) NumGroups() int { return len(c.groups) }

// NumNodes is the total number of trie nodes (candidate tokens after prefix sharing).
func (c *Candidates) NumNodes() int {
	n := 0
	for _, g := range c.groups {
		n += len(g.tokens)
	}
	return n
}

// DistinctFirstTokens reports whether no two candidates start with the same token, so that the
// first token identifies the candidate.
func (c *Candidates) DistinctFirstTokens() bool {
	seen := make(map[int]bool, len(c.Tokens))
	for _, ids := range c.Tokens {
		if seen[ids[0]] {
			return false
		}
		seen[ids[0]] = true
	}
	return true
}

// FirstTokens returns each candidate's first token id.
func (c *Candidates) FirstTokens() []int {
	out := make([]int, len(c.Tokens))
	for i, ids := range c.Tokens {
		out[i] = ids[0]
	}
	return out
}

// treeLayout returns, for a prompt of length p, the static attention pattern [L][L] (L = p + nodes)
// of a group: prompt tokens see earlier prompt tokens; a node sees the whole prompt, its ancestors
// and itself. Padding is handled separately by the key mask.
func (g *trieGroup) treeLayout(p int) []bool {
	n := len(g.tokens)
	l := p + n
	allowed := make([]bool, l*l)
	for q := 0; q < p; q++ {
		for k := 0; k <= q; k++ {
			allowed[q*l+k] = true
		}
	}
	for j := 0; j < n; j++ {
		q := p + j
		for k := 0; k < p; k++ {
			allowed[q*l+k] = true
		}
		for a := j; a >= 0; a = g.parent[a] {
			allowed[q*l+p+a] = true
		}
	}
	return allowed
}

// parents returns the sequence positions whose next-token distribution is needed (the prompt's
// last position p-1, then every node with children), and for each node the index, in that list,
// of the position that predicts it.
func (g *trieGroup) parents(p int) (positions []int, nodeParent []int) {
	positions = []int{p - 1}
	index := map[int]int{-1: 0}
	nodeParent = make([]int, len(g.tokens))
	for j, par := range g.parent {
		k, ok := index[par]
		if !ok {
			k = len(positions)
			index[par] = k
			positions = append(positions, p+par)
		}
		nodeParent[j] = k
	}
	return positions, nodeParent
}
