package wirelog

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestBodyTextForATerminal: what BodyText makes of a resource's answer
// holds no control character but newline and tab, whether the body holds
// one as it is or HTML decodes one from a character reference, and is cut
// at a character's start.
func TestBodyTextForATerminal(t *testing.T) {
	long := strings.Repeat("a", maxShown-1) + "é"
	for _, tt := range []struct{ contentType, body, want string }{
		{"text/plain", "ok \x1b]0;pwned\a \x1b[2J", "ok \uFFFD]0;pwned\uFFFD \uFFFD[2J"},
		{"text/html", "<p>hi &#27;[31mred</p>", "hi \uFFFD[31mred"},
		{"text/plain", "one\r\ntwo\rthree\u0085\tfour", "one\ntwo\uFFFDthree\uFFFD\tfour"},
		{"text/plain", "bad \xff byte", "bad \uFFFD byte"},
		{"text/plain", long, strings.Repeat("a", maxShown-1) + "…"},
	} {
		if got := BodyText(tt.contentType, []byte(tt.body)); got != tt.want {
			t.Errorf("BodyText(%q, %q) = %q, want %q", tt.contentType, tt.body, got, tt.want)
		}
	}
}

// FuzzBodyText: whatever the body, what BodyText gives (the CLI prints it
// to a terminal, the web app to a page) is UTF-8, at most maxShown bytes
// and the "…" that marks a cut, with no control character but newline and
// tab (no ESC to drive a terminal).
func FuzzBodyText(f *testing.F) {
	f.Add("text/plain", strings.Repeat("a", maxShown-1)+"é")
	f.Add("text/plain", "ok \x1b]0;pwned\x07 \x1b[2J")
	f.Add("text/html", "<p>hi &#27;[31mred</p><script>x</script>")
	f.Add("application/json", `{"a":"\u001b[2J","b":"`+"\u009b"+`"}`)
	f.Add("0", "\x1f")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		out := BodyText(contentType, []byte(body))
		if len(out) > maxShown+len("…") {
			t.Fatalf("BodyText gave %d bytes", len(out))
		}
		if !utf8.ValidString(out) {
			t.Fatalf("BodyText(%q, %q) is not UTF-8: %q", contentType, body, out)
		}
		if i := strings.IndexFunc(out, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }); i >= 0 {
			t.Fatalf("BodyText(%q, %q) holds a control character at %d: %q", contentType, body, i, out)
		}
	})
}
