package oauth

import (
	"strings"
	"testing"
)

// TestQuoteShort: a value quoted in an error description is cut after 40
// bytes, and a byte that is not UTF-8 is written %XX, not dropped, so the
// description on the wire (DescriptionValue) shows every byte the request
// sent as README ("What the provider does") says.
func TestQuoteShort(t *testing.T) {
	for _, tc := range []struct{ name, value, want, wire string }{
		{"text stays as sent", "read", "'read'", "'read'"},
		{"a non-ASCII character stays; the wire writes each byte %XX", "read\u00fc", "'read\u00fc'", "'read%C3%BC'"},
		{"a byte that is not UTF-8 is written %XX", "\xff", "'%FF'", "'%FF'"},
		{"bytes that are not UTF-8 among text", "a\xffb\xc3", "'a%FFb%C3'", "'a%FFb%C3'"},
		{"a value over 40 bytes is cut, never inside a character",
			strings.Repeat("a", 39) + "\u00fc", "'" + strings.Repeat("a", 39) + "...'", "'" + strings.Repeat("a", 39) + "...'"},
		{"a value of 40 bytes is whole", strings.Repeat("a", 40), "'" + strings.Repeat("a", 40) + "'", "'" + strings.Repeat("a", 40) + "'"},
		{"a byte that is not UTF-8 counts as one byte of the 40",
			strings.Repeat("a", 39) + "\xff\xff", "'" + strings.Repeat("a", 39) + "%FF...'", "'" + strings.Repeat("a", 39) + "%FF...'"},
	} {
		got := quoteShort(tc.value)
		if got != tc.want {
			t.Errorf("%s: quoteShort(%q): got %q, want %q", tc.name, tc.value, got, tc.want)
		}
		if wire := DescriptionValue(got); wire != tc.wire {
			t.Errorf("%s: on the wire: got %q, want %q", tc.name, wire, tc.wire)
		}
	}
}
