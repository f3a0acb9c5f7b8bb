package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strings"
)

// The chart's geometry, in SVG user units.
const (
	chartWidth  = 980
	labelRight  = 330 // labels end here, right-aligned
	barLeft     = 340 // the scale's lowest decade
	barRight    = 830 // its highest
	rowHeight   = 34
	chartTop    = 92 // below the title, subtitle and legend
	groupHeight = 26 // a store's heading
)

// storeColour is the bar colour of each store; references are grey.
var storeColour = map[string]string{"SQLite": "#2f6fb0", "PostgreSQL": "#3b8f5a"}

// logScale maps a figure per CPU-second to an x position: decades from
// 10^lo to 10^hi share the bar area equally.
type logScale struct{ lo, hi float64 }

// newLogScale covers every figure of rows (and the references) in whole
// decades, at least 10 to 10,000.
func newLogScale(rows []result) logScale {
	top := 1e4
	for _, r := range rows {
		top = math.Max(top, math.Max(r.PerCPUSecond(), r.RefRate()))
	}
	return logScale{lo: 1, hi: math.Ceil(math.Log10(top))}
}

// x is where v falls; values below the scale sit at its left edge.
func (s logScale) x(v float64) float64 {
	if v <= 0 {
		return barLeft
	}
	f := (math.Log10(v) - s.lo) / (s.hi - s.lo)
	return barLeft + math.Max(0, f)*(barRight-barLeft)
}

// chartRows are the rows the chart draws: every row measured on a store,
// the paths, their floors and the bare Gin handler's. The references that
// bareop measures (the signatures, Argon2id) have no row of their own
// there: each appears as the grey bar under the paths it bounds.
func chartRows(rep report) []result {
	var rows []result
	for _, r := range rep.Results {
		if r.Store != "" && r.PerCPUSecond() > 0 {
			rows = append(rows, r)
		}
	}
	return rows
}

// writeSVG draws the report as a horizontal bar chart: per store, each
// path's requests per CPU-second on a log scale, its reference as a thin
// grey bar under it, the figure and the ratio at the bar's end.
func writeSVG(w io.Writer, rep report) error {
	rows := chartRows(rep)
	scale := newLogScale(rows)
	groups := 0
	for i, r := range rows {
		if i == 0 || rows[i-1].Store != r.Store {
			groups++
		}
	}
	height := chartTop + groups*groupHeight + len(rows)*rowHeight + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, sans-serif" font-size="13">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<title>Requests per CPU-second by path and algorithm, each beside its reference</title>`+"\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", chartWidth, height)
	text(&b, 16, 26, "start", "bold", 17, "Requests per CPU-second, server pinned to one core (log scale)")
	text(&b, 16, 48, "start", "normal", 12, "Absolute figures vary by machine and load; the ratios to the references, measured in the same run, hold.")
	legend(&b)
	gridHeight := height - 40
	drawGrid(&b, scale, chartTop-6, gridHeight)
	y := chartTop
	for i, r := range rows {
		if i == 0 || rows[i-1].Store != r.Store {
			text(&b, 16, y+18, "start", "bold", 14, r.Store)
			y += groupHeight
		}
		drawRow(&b, scale, y, r)
		y += rowHeight
	}
	if rep.Machine != "" {
		text(&b, 16, height-12, "start", "normal", 11, rep.Machine)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSVGFile writes the chart to path.
func writeSVGFile(path string, rep report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeSVG(f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// legend explains the colours.
func legend(b *strings.Builder) {
	x := 16
	for _, item := range []struct{ name, colour string }{
		{"SQLite", storeColour["SQLite"]}, {"PostgreSQL", storeColour["PostgreSQL"]},
		{"reference: bare Gin handler, bare signature, Argon2id verification", "#b8b8b8"},
	} {
		fmt.Fprintf(b, `<rect x="%d" y="60" width="12" height="12" fill="%s"/>`+"\n", x, item.colour)
		text(b, x+18, 71, "start", "normal", 12, item.name)
		x += 28 + 7*len(item.name)
	}
	fmt.Fprintf(b, `<line x1="%d" y1="58" x2="%d" y2="74" stroke="#c0392b" stroke-width="2"/>`+"\n", x+5, x+5)
	text(b, x+12, 71, "start", "normal", 12, "target")
}

// drawGrid draws a vertical line and a label at each decade.
func drawGrid(b *strings.Builder, s logScale, top, bottom int) {
	for d := s.lo; d <= s.hi; d++ {
		x := s.x(math.Pow(10, d))
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e2e2e2"/>`+"\n", x, top, x, bottom)
		text(b, int(x), top-2, "middle", "normal", 11, decadeLabel(d))
	}
}

// decadeLabel writes 10^d as 10, 100, 1k, 10k, 100k, 1M.
func decadeLabel(d float64) string {
	switch {
	case d >= 6:
		return fmt.Sprintf("%.0fM", math.Pow(10, d-6))
	case d >= 3:
		return fmt.Sprintf("%.0fk", math.Pow(10, d-3))
	}
	return fmt.Sprintf("%.0f", math.Pow(10, d))
}

// drawRow draws one path: label, bar, reference bar, figure and ratio.
func drawRow(b *strings.Builder, s logScale, y int, r result) {
	text(b, labelRight, y+13, "end", "normal", 13, r.Path)
	end := s.x(r.PerCPUSecond())
	fmt.Fprintf(b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="14" fill="%s"><title>%s</title></rect>`+"\n",
		barLeft, y+2, end-barLeft, storeColour[r.Store], html.EscapeString(r.Path+", "+r.Store+": "+formatRate(r.PerCPUSecond())+" per CPU-second"))
	label := formatRate(r.PerCPUSecond())
	if refRate := r.RefRate(); refRate > 0 {
		refEnd := s.x(refRate)
		fmt.Fprintf(b, `<rect class="reference" x="%d" y="%d" width="%.1f" height="6" fill="#b8b8b8"/>`+"\n", barLeft, y+18, refEnd-barLeft)
		text(b, int(refEnd)+4, y+25, "start", "normal", 10, r.Reference+" "+formatRate(refRate))
		label += " · " + formatRatio(r.Ratio().Median)
	}
	labelAt := end
	if target := r.targetRate(); target > 0 {
		x := s.x(target)
		fmt.Fprintf(b, `<line class="target" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c0392b" stroke-width="2"><title>%s</title></line>`+"\n",
			x, y, x, y+24, html.EscapeString("target "+r.Goal.Text+": "+formatRate(target)+" per CPU-second"))
		labelAt = max(labelAt, x)
	}
	text(b, int(labelAt)+5, y+14, "start", "bold", 12, label)
}

// text writes one escaped text element.
func text(b *strings.Builder, x, y int, anchor, weight string, size int, s string) {
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" font-weight="%s" font-size="%d" fill="#222">%s</text>`+"\n",
		x, y, anchor, weight, size, html.EscapeString(s))
}
