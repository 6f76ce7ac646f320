package pipeline

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/stages"
)

// SVG draws the pipeline: one column per pipeline stage, one box per
// environment, the gates written under each column.
func (pl *Plan) SVG() string {
	const colW, boxH, gap, top, left = 190, 44, 10, 70, 20
	cols := []struct {
		title string
		boxes []string
		notes []string
		kind  string
	}{
		{title: "Source", boxes: []string{pl.Repo + "@" + pl.Branch}, kind: "fixed"},
		{title: "Build", boxes: []string{"cdk synth", "self-mutation", "assets"}, kind: "fixed"},
	}
	for _, w := range pl.Waves {
		c := struct {
			title string
			boxes []string
			notes []string
			kind  string
		}{title: w.PipelineStage, kind: w.Stage}
		for _, e := range w.Environments {
			label := e.Name + " · " + e.Region
			if e.OneBox {
				label += " · one-box"
			}
			c.boxes = append(c.boxes, label)
		}
		if w.Freeze {
			c.notes = append(c.notes, "⏸ freeze calendar")
		}
		if w.Approval {
			c.notes = append(c.notes, "✋ approval")
		}
		if len(w.Checks) > 0 {
			c.notes = append(c.notes, fmt.Sprintf("✓ %d check(s)", len(w.Checks)))
		}
		if w.Bake > 0 {
			c.notes = append(c.notes, "⏱ bake "+stages.FormatDuration(w.Bake))
		}
		c.notes = append(c.notes, "↩ rollback on failure")
		cols = append(cols, c)
	}
	maxRows := 0
	for _, c := range cols {
		maxRows = max(maxRows, len(c.boxes)+len(c.notes))
	}
	width := left*2 + len(cols)*(colW+gap)
	height := top + maxRows*(boxH+gap) + 40
	fill := map[string]string{"fixed": "#eceff1", "alpha": "#e3f2fd", "beta": "#e8f5e9", "gamma": "#fff8e1", "prod": "#fce4ec"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="16" font-weight="bold">%s — handsoff pipeline (estimated %s to the last prod environment)</text>`+"\n", left, html.EscapeString(pl.Repo), roundDuration(pl.Estimate))
	for i, c := range cols {
		x := left + i*(colW+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x, top-12, html.EscapeString(c.title))
		if i > 0 {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#607d8b" stroke-width="2"/>`+"\n", x-gap, top+boxH/2, x, top+boxH/2)
		}
		y := top
		for _, box := range c.boxes {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="#607d8b"/>`+"\n", x, y, colW-gap, boxH, fill[c.kind])
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+8, y+boxH/2+4, html.EscapeString(box))
			y += boxH + gap
		}
		for _, n := range c.notes {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#37474f">%s</text>`+"\n", x+4, y+14, html.EscapeString(n))
			y += 20
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// HTML is a self-contained page with the picture and the plan.
func (pl *Plan) HTML() string {
	return fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%s pipeline</title>
<style>body{font-family:sans-serif;margin:24px} pre{background:#f5f5f5;padding:12px;overflow:auto} .pic{overflow:auto}</style>
</head><body>
<div class="pic">%s</div>
<h2>Plan</h2>
<pre>%s</pre>
</body></html>
`, html.EscapeString(pl.Repo), pl.SVG(), html.EscapeString(pl.String()))
}

// PictureFile is the page New writes beside the cloud assembly.
const PictureFile = "handsoff-pipeline.html"

// WriteFiles writes the picture page into dir.
func (pl *Plan) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, PictureFile), []byte(pl.HTML()), 0o644)
}
