package reports

import (
	"fmt"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// markdownTable renders a GitHub-flavoured markdown table: the first column and every text
// column left-aligned, numeric columns right-aligned, cells never wrapped, "|" escaped. A column
// is numeric when each of its cells starts like a number ("0.41", "+0.01", "**0.4", "[-0.1",
// "<0.001", "84.7%") or is "-".
func markdownTable(header []string, rows [][]string) (string, error) {
	var b strings.Builder
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
		if i == 0 || !numericColumn(rows, i) {
			align[i] = tw.AlignLeft
		}
	}
	t := tablewriter.NewTable(&b,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(escapeRow(header))
	for _, r := range rows {
		if err := t.Append(escapeRow(r)); err != nil {
			return "", fmt.Errorf("table row: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return "", fmt.Errorf("render table: %w", err)
	}
	return b.String(), nil
}

func escapeRow(r []string) []string {
	out := make([]string, len(r))
	for i, s := range r {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
	}
	return out
}

func numericColumn(rows [][]string, col int) bool {
	for _, r := range rows {
		if col >= len(r) || r[col] == "-" {
			continue
		}
		s := strings.TrimLeft(r[col], "*[<+-")
		if s == "" || s[0] < '0' || s[0] > '9' {
			return false
		}
	}
	return true
}
