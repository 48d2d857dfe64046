package reports

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
)

// palette holds line colours (Tableau 10); methods beyond ten reuse them dashed.
var palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

// Plot geometry, in SVG user units.
const (
	panelW, panelH = 420.0, 300.0
	padL, padR     = 56.0, 28.0
	padT, padB     = 36.0, 44.0
	legendRow      = 18.0
)

// plotVsK draws, per data set, the mean tail-shot metric of every method against k (categorical
// axis in the experiment's order), with ±std bars when several seeds are available.
func plotVsK(e *config.Experiment, groups map[key]*agg) ([]byte, error) {
	type point struct {
		x, y, std float64
		ok        bool
	}
	yMax := 0.0
	series := make([][][]point, len(e.Datasets)) // [dataset][variant][k]
	for d, ds := range e.Datasets {
		series[d] = make([][]point, len(e.Variants))
		for v, variant := range e.Variants {
			for _, k := range e.TailShots {
				s, err := groups[key{ds, variant.Name, k}].stat(e.TailshotGroup, e.TailshotMetric)
				if err != nil {
					return nil, err
				}
				p := point{y: s.Mean, std: s.Std, ok: s.N > 0}
				if p.ok {
					yMax = math.Max(yMax, s.Mean+s.Std)
				}
				series[d][v] = append(series[d][v], p)
			}
		}
	}
	yMax = math.Max(0.1, math.Ceil(yMax*10-1e-9)/10)
	legendH := legendRow*float64(len(e.Variants)) + 12
	width := panelW * float64(len(e.Datasets))
	height := panelH + legendH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%.0f" height="%.0f" fill="white"/>`+"\n", width, height)
	metric := html.EscapeString(e.TailshotGroup + " " + e.TailshotMetric)
	plotW, plotH := panelW-padL-padR, panelH-padT-padB
	xOf := func(i int) float64 {
		if len(e.TailShots) == 1 {
			return padL + plotW/2
		}
		return padL + plotW*float64(i)/float64(len(e.TailShots)-1)
	}
	yOf := func(v float64) float64 { return padT + plotH*(1-v/yMax) }
	for d, ds := range e.Datasets {
		fmt.Fprintf(&b, `<g transform="translate(%.0f,0)">`+"\n", panelW*float64(d))
		fmt.Fprintf(&b, `<text x="%.1f" y="20" text-anchor="middle" font-size="14">%s: %s against tail shots k</text>`+"\n", padL+plotW/2, html.EscapeString(ds), metric)
		// Axes, grid and ticks.
		for i := 0; i <= 5; i++ {
			v := yMax * float64(i) / 5
			y := yOf(v)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", padL, y, padL+plotW, y)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%.2f</text>`+"\n", padL-6, y, v)
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", padL, padT, padL, padT+plotH)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", padL, padT+plotH, padL+plotW, padT+plotH)
		for i, k := range e.TailShots {
			x := xOf(i)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x, padT+plotH, x, padT+plotH+4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, padT+plotH+16, config.KString(k))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">tail shots k</text>`+"\n", padL+plotW/2, padT+plotH+34)
		fmt.Fprintf(&b, `<text x="14" y="%.1f" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`+"\n", padT+plotH/2, padT+plotH/2, metric)
		// One polyline per method; gaps where a value is missing.
		for v := range e.Variants {
			color, dash := style(v)
			var pts []string
			flush := func() {
				if len(pts) > 1 {
					fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
				}
				pts = nil
			}
			for i, p := range series[d][v] {
				if !p.ok {
					flush()
					continue
				}
				x, y := xOf(i), yOf(p.y)
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
				if p.std > 0 {
					fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x, yOf(p.y-p.std), x, yOf(p.y+p.std), color)
				}
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x, y, color)
			}
			flush()
		}
		b.WriteString("</g>\n")
	}
	// Legend below the panels.
	for v, variant := range e.Variants {
		color, dash := style(v)
		y := panelH + 6 + legendRow*float64(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", padL, y, padL+24, y, color, dash)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", padL+30, y, html.EscapeString(variant.Name))
	}
	b.WriteString("</svg>\n")
	return []byte(b.String()), nil
}

// style returns the colour and dash attribute of the i-th method.
func style(i int) (color, dash string) {
	color = palette[i%len(palette)]
	if i >= len(palette) {
		dash = ` stroke-dasharray="6 3"`
	}
	return color, dash
}

// svgOpen starts an SVG document of the given size on a white background.
func svgOpen(b *strings.Builder, width, height float64) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(b, `<rect width="%.0f" height="%.0f" fill="white"/>`+"\n", width, height)
}

// niceMax rounds a positive maximum up to a multiple of step (at least step).
func niceMax(v, step float64) float64 {
	return math.Max(step, math.Ceil(v/step-1e-9)*step)
}

// plotAnchorTail draws, per data set, every method's mean anchor wf1 (x) against its mean tail
// wf1 (y) at one k, with ±std bars on both axes when several seeds are available.
func plotAnchorTail(e *config.Experiment, groups map[key]*agg, k int) ([]byte, error) {
	type point struct {
		x, y, sx, sy float64
		ok           bool
	}
	pts := make([][]point, len(e.Datasets))
	xMax, yMax := 0.0, 0.0
	for d, ds := range e.Datasets {
		for _, v := range e.Variants {
			a, err := groups[key{ds, v.Name, k}].stat("anchor", "wf1")
			if err != nil {
				return nil, err
			}
			t, err := groups[key{ds, v.Name, k}].stat("tail", "wf1")
			if err != nil {
				return nil, err
			}
			p := point{x: a.Mean, y: t.Mean, sx: a.Std, sy: t.Std, ok: a.N > 0 && t.N > 0}
			if p.ok {
				xMax, yMax = math.Max(xMax, p.x+p.sx), math.Max(yMax, p.y+p.sy)
			}
			pts[d] = append(pts[d], p)
		}
	}
	xMax, yMax = niceMax(xMax, 0.1), niceMax(yMax, 0.05)
	legendH := legendRow*float64(len(e.Variants)) + 12
	width, height := panelW*float64(len(e.Datasets)), panelH+legendH
	var b strings.Builder
	svgOpen(&b, width, height)
	plotW, plotH := panelW-padL-padR, panelH-padT-padB
	xOf := func(v float64) float64 { return padL + plotW*v/xMax }
	yOf := func(v float64) float64 { return padT + plotH*(1-v/yMax) }
	for d, ds := range e.Datasets {
		fmt.Fprintf(&b, `<g transform="translate(%.0f,0)">`+"\n", panelW*float64(d))
		fmt.Fprintf(&b, `<text x="%.1f" y="20" text-anchor="middle" font-size="14">%s, k = %s: anchor vs tail wf1</text>`+"\n", padL+plotW/2, html.EscapeString(ds), config.KString(k))
		for i := 0; i <= 5; i++ {
			xv, yv := xMax*float64(i)/5, yMax*float64(i)/5
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", padL, yOf(yv), padL+plotW, yOf(yv))
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", xOf(xv), padT, xOf(xv), padT+plotH)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%.2f</text>`+"\n", padL-6, yOf(yv), yv)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.2f</text>`+"\n", xOf(xv), padT+plotH+16, xv)
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", padL, padT, padL, padT+plotH)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", padL, padT+plotH, padL+plotW, padT+plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">anchor wf1</text>`+"\n", padL+plotW/2, padT+plotH+34)
		fmt.Fprintf(&b, `<text x="14" y="%.1f" text-anchor="middle" transform="rotate(-90 14 %.1f)">tail wf1</text>`+"\n", padT+plotH/2, padT+plotH/2)
		for v, p := range pts[d] {
			if !p.ok {
				continue
			}
			color, _ := style(v)
			x, y := xOf(p.x), yOf(p.y)
			if p.sx > 0 {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", xOf(p.x-p.sx), y, xOf(p.x+p.sx), y, color)
			}
			if p.sy > 0 {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x, yOf(p.y-p.sy), x, yOf(p.y+p.sy), color)
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" %s/>`+"\n", x, y, marker(v))
		}
		b.WriteString("</g>\n")
	}
	for v, variant := range e.Variants {
		y := panelH + 6 + legendRow*float64(v)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" %s/>`+"\n", padL+12, y, marker(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", padL+30, y, html.EscapeString(variant.Name))
	}
	b.WriteString("</svg>\n")
	return []byte(b.String()), nil
}

// plotDeltas draws, per data set, each variant's paired difference to the reference as a bar
// with its 95% interval; a variant without a computable difference has no bar.
func plotDeltas(e *config.Experiment, deltas map[string][]comparison) []byte {
	const labelW, rowH = 190.0, 22.0
	rows := 0
	m := 0.0
	for _, ds := range e.Datasets {
		rows = max(rows, len(deltas[ds]))
		for _, c := range deltas[ds] {
			if c.ok {
				m = math.Max(m, math.Max(math.Abs(c.lo), math.Max(math.Abs(c.hi), math.Abs(c.est))))
			}
		}
	}
	m = niceMax(m, 0.02) // ticks at ±m/2 stay at two decimals
	pw := panelW + labelW
	plotW := pw - labelW - padR
	plotH := rowH * float64(rows)
	width, height := pw*float64(len(e.Datasets)), padT+plotH+padB
	var b strings.Builder
	svgOpen(&b, width, height)
	xOf := func(v float64) float64 { return labelW + plotW*(v+m)/(2*m) }
	metric := html.EscapeString(e.TailshotGroup + " " + e.TailshotMetric)
	for d, ds := range e.Datasets {
		fmt.Fprintf(&b, `<g transform="translate(%.0f,0)">`+"\n", pw*float64(d))
		fmt.Fprintf(&b, `<text x="%.1f" y="20" text-anchor="middle" font-size="14">%s: Δ %s to %s</text>`+"\n", labelW+plotW/2, html.EscapeString(ds), metric, html.EscapeString(e.Reference))
		for i := 0; i <= 4; i++ {
			v := -m + 2*m*float64(i)/4
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", xOf(v), padT, xOf(v), padT+plotH)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%+.2f</text>`+"\n", xOf(v), padT+plotH+16, v)
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", xOf(0), padT, xOf(0), padT+plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">Δ %s (95%% interval)</text>`+"\n", labelW+plotW/2, padT+plotH+34, metric)
		for r, c := range deltas[ds] {
			y := padT + rowH*(float64(r)+0.5)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", labelW-6, y, html.EscapeString(c.a))
			if !c.ok {
				continue
			}
			color := palette[0]
			if c.est < 0 {
				color = palette[2]
			}
			x0, x1 := math.Min(xOf(0), xOf(c.est)), math.Max(xOf(0), xOf(c.est))
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x0, y-rowH*0.3, x1-x0, rowH*0.6, color)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", xOf(c.lo), y, xOf(c.hi), y)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", xOf(c.lo), y-4, xOf(c.lo), y+4)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", xOf(c.hi), y-4, xOf(c.hi), y+4)
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// marker returns the fill and stroke of the i-th method's point: filled in its colour, hollow
// for methods beyond the palette.
func marker(i int) string {
	color, _ := style(i)
	if i >= len(palette) {
		return fmt.Sprintf(`fill="white" stroke="%s" stroke-width="2"`, color)
	}
	return fmt.Sprintf(`fill="%s"`, color)
}
