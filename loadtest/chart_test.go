package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// svgElement is what the test reads of each element of the chart.
type svgElement struct {
	name, class string
	width       float64
	text        string
}

// parseSVG decodes the whole chart (failing on malformed XML) and returns
// its elements in order.
func parseSVG(t *testing.T, svg string) []svgElement {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var out []svgElement
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			e := svgElement{name: el.Name.Local}
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "class":
					e.class = a.Value
				case "width":
					e.width, _ = strconv.ParseFloat(a.Value, 64)
				}
			}
			out = append(out, e)
		case xml.CharData:
			if len(out) > 0 {
				out[len(out)-1].text += string(el)
			}
		}
	}
}

func TestWriteSVG(t *testing.T) {
	rep := report{
		Machine: "Measured on <a test>.",
		Results: []result{
			{Path: signRef("EdDSA") + " (reference)", Windows: []measurement{{Requests: 40000, CPU: 1e9}}}, // not a bar of its own
			row(pathBareGin, "SQLite", 36000, "", 0),
			row(ccPath("RS256"), "SQLite", 950, signRef("RS256"), 1000),
			row(pathLogin, "SQLite", 31, refArgon2id, 40),
			row(pathBearer, "PostgreSQL", 15000, pathBareGin, 36000),
		},
	}
	var b strings.Builder
	if err := writeSVG(&b, rep); err != nil {
		t.Fatal(err)
	}
	width := map[string]float64{}
	var bars, references, targets int
	var texts []string
	elements := parseSVG(t, b.String())
	for i, e := range elements {
		switch {
		case e.class == "bar" && i+1 < len(elements) && elements[i+1].name == "title":
			bars++
			label := elements[i+1].text // its tooltip: "path, store: figure per CPU-second"
			width[label[:strings.Index(label, ":")]] = e.width
		case e.class == "reference":
			references++
		case e.class == "target":
			targets++
		case e.name == "text":
			texts = append(texts, e.text)
		}
	}
	if bars != 4 || references != 3 || targets != 3 {
		t.Errorf("got %d bars, %d reference bars and %d targets, want 4, 3 and 3", bars, references, targets)
	}
	if !(width["bare Gin handler, SQLite"] > width["bearer check (/protected/resource), PostgreSQL"] &&
		width["client_credentials, RS256, SQLite"] > width["login (code + PKCE + openid), SQLite"] &&
		width["login (code + PKCE + openid), SQLite"] > 0) {
		t.Errorf("bar widths do not follow the figures: %v", width)
	}
	joined := strings.Join(texts, "\n")
	for _, want := range []string{"SQLite", "PostgreSQL", "950 · 0.95×", "RS256 sign 1,000", "Measured on <a test>.", "10k"} {
		if !strings.Contains(joined, want) {
			t.Errorf("chart text lacks %q", want)
		}
	}
}
