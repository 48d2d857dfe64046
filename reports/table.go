package reports

import (
	"fmt"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// markdownTable renders a GitHub-flavoured markdown table: the first column left-aligned, the
// others right-aligned, cells never wrapped, "|" escaped.
func markdownTable(header []string, rows [][]string) (string, error) {
	var b strings.Builder
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0] = tw.AlignLeft
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
