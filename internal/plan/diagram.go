package plan

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/stages"
)

// SVG draws the pipeline: one column per pipeline stage, one box per
// environment (name, then account and region), and the gates under each
// column: what runs before the stage, after each deployment, and on failure.
// Text only, no symbols that a font may lack.
func (pl *Plan) SVG() string {
	const colW, boxH, gap, top, left, lineH = 200, 40, 12, 80, 20, 17
	type column struct {
		title string
		boxes [][2]string
		notes []string
		kind  string
	}
	cols := []column{
		{title: "Source", boxes: [][2]string{{pl.Repo, "branch " + pl.Branch}}, kind: "fixed"},
		{title: "Build", boxes: [][2]string{{"cdk synth", ""}, {"self-mutation", ""}, {"assets", ""}}, kind: "fixed"},
	}
	for _, w := range pl.Waves {
		c := column{title: w.PipelineStage, kind: w.Stage}
		for _, e := range w.Environments {
			second := e.Account + " " + e.Region
			if e.OneBox {
				second += ", one-box"
			}
			c.boxes = append(c.boxes, [2]string{e.Name, second})
		}
		if before := w.Before(); len(before) > 0 {
			c.notes = append(c.notes, "before: "+strings.Join(before, ", "))
		}
		if len(w.Checks) > 0 {
			c.notes = append(c.notes, fmt.Sprintf("validate: %d check(s)", len(w.Checks)))
		}
		if w.Bake > 0 {
			c.notes = append(c.notes, "bake: "+stages.FormatDuration(w.Bake)+" on alarms")
		}
		c.notes = append(c.notes, "on failure: roll back")
		cols = append(cols, c)
	}
	height := 0
	for _, c := range cols {
		height = max(height, top+len(c.boxes)*(boxH+gap)+len(c.notes)*lineH+30)
	}
	width := left*2 + len(cols)*(colW+gap)
	fill := map[string]string{"fixed": "#eceff1", "alpha": "#e3f2fd", "beta": "#e8f5e9", "gamma": "#fff8e1", "prod": "#fce4ec"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<text x="%d" y="30" font-size="16" font-weight="bold">%s: handsoff pipeline, about %s from commit to the last prod environment</text>`+"\n", left, html.EscapeString(pl.Repo), roundDuration(pl.Estimate))
	for i, c := range cols {
		x := left + i*(colW+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%d. %s</text>`+"\n", x, top-12, i+1, html.EscapeString(c.title))
		if i > 0 {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#607d8b" stroke-width="2"/>`+"\n", x-gap, top+boxH/2, x, top+boxH/2)
		}
		y := top
		for _, box := range c.boxes {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="#607d8b"/>`+"\n", x, y, colW-gap, boxH, fill[c.kind])
			if box[1] == "" {
				fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+8, y+boxH/2+4, html.EscapeString(box[0]))
			} else {
				fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x+8, y+16, html.EscapeString(box[0]))
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#455a64" font-size="11">%s</text>`+"\n", x+8, y+32, html.EscapeString(box[1]))
			}
			y += boxH + gap
		}
		for _, n := range c.notes {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#37474f">%s</text>`+"\n", x+4, y+12, html.EscapeString(n))
			y += lineH
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

// PictureFile is the page pipeline.New writes beside the cloud assembly.
const PictureFile = "handsoff-pipeline.html"

// WriteFiles writes the picture page (PictureFile) and the plan as JSON
// (File) into dir.
func (pl *Plan) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, File), pl.JSON(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, PictureFile), []byte(pl.HTML()), 0o644)
}
