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
