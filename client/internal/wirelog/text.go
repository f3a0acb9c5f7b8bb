package wirelog

import (
	"bytes"
	"encoding/json"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// BodyText returns a response body as text for a reader: JSON indented, HTML
// reduced to its visible text (a resource page is read, not rendered), and
// anything else trimmed; Printable, and at most about 2 KiB, cut at a
// character's start. It masks nothing: use it for bodies that carry no
// tokens, such as resource answers.
func BodyText(contentType string, body []byte) string {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	var s string
	switch {
	case mediaType == "text/html":
		s = htmlText(body)
	case json.Valid(body):
		var out bytes.Buffer
		_ = json.Indent(&out, body, "", "  ")
		s = out.String()
	default:
		s = strings.TrimSpace(string(body))
	}
	return cutAt(Printable(s), maxShown)
}

// Printable returns text that came from elsewhere ready for a terminal:
// every control character but newline and tab (C0, DEL and C1; a CR of a
// CRLF line break aside, which goes) becomes U+FFFD, as does every byte
// that is not UTF-8. A server's answer must not drive the user's terminal:
// ESC starts the sequences that move the cursor, clear the screen or set
// the window's title, and a lone CR or a backspace writes over text already
// shown. U+FFFD, the replacement character, rather than a visible escape
// such as "\x1b": it is one character every terminal shows, and cannot be
// taken for text the server sent.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return utf8.RuneError
		}
		return r
	}, strings.ReplaceAll(s, "\r\n", "\n"))
}

// htmlText returns the text of an HTML document, without its style and
// script elements, one trimmed line per line of text.
func htmlText(body []byte) string {
	z := html.NewTokenizer(bytes.NewReader(body))
	var text strings.Builder
	skip := 0 // depth inside <style>, <script> or <title>
	for {
		switch z.Next() {
		case html.ErrorToken:
			return joinLines(text.String())
		case html.StartTagToken:
			if name, _ := z.TagName(); isHidden(name) {
				skip++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if isHidden(name) && skip > 0 {
				skip--
			}
			if isBlock(name) {
				text.WriteString("\n")
			}
		case html.TextToken:
			if skip == 0 {
				// As in a browser, a line break in the source is a space.
				text.Write(bytes.Map(newlineToSpace, z.Text()))
			}
		}
	}
}

func isHidden(tag []byte) bool {
	switch string(tag) {
	case "style", "script", "title":
		return true
	}
	return false
}

func newlineToSpace(r rune) rune {
	if r == '\n' || r == '\r' || r == '\t' {
		return ' '
	}
	return r
}

// isBlock reports whether a tag ends a line of text.
func isBlock(tag []byte) bool {
	switch string(tag) {
	case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "pre", "main", "section", "header", "footer", "table", "ul", "ol", "dd", "dt":
		return true
	}
	return false
}

// joinLines trims every line and drops the empty ones.
func joinLines(s string) string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}
