package oauth

import (
	"strings"
	"testing"
)

// TestQuoteShort: a value quoted in an error description is whole up to 16
// bytes; a longer one, long enough to be a secret or a token sent in the
// wrong field, is named by its first 4 characters and its length, so it
// never comes back. A byte that is not UTF-8 is written %XX, not dropped,
// so the description on the wire (DescriptionValue) shows every byte the
// request sent as README ("What the provider does") says.
func TestQuoteShort(t *testing.T) {
	secret := "Zq7SecretClientValue9A8B7C6D5E4F3"          // 33 bytes
	token := "JfcwzmNuTsahuaII_hsuXKfByiuWqAMiAV9-r1SuXyZ" // 43 bytes
	for _, tc := range []struct{ name, value, want, wire string }{
		{"text stays as sent", "read", "'read'", "'read'"},
		{"a non-ASCII character stays; the wire writes each byte %XX", "read\u00fc", "'read\u00fc'", "'read%C3%BC'"},
		{"a byte that is not UTF-8 is written %XX", "\xff", "'%FF'", "'%FF'"},
		{"bytes that are not UTF-8 among text", "a\xffb\xc3", "'a%FFb%C3'", "'a%FFb%C3'"},
		{"a value of 16 bytes is whole", strings.Repeat("a", 16), "'" + strings.Repeat("a", 16) + "'", "'" + strings.Repeat("a", 16) + "'"},
		{"a value of 17 bytes is named by its first 4 characters and its length", strings.Repeat("a", 17), "'aaaa...' (17 bytes)", "'aaaa...' (17 bytes)"},
		{"a client secret sent as client_id does not come back", secret, "'Zq7S...' (33 bytes)", "'Zq7S...' (33 bytes)"},
		{"a token sent as a scope does not come back", token, "'Jfcw...' (43 bytes)", "'Jfcw...' (43 bytes)"},
		{"4 characters, not 4 bytes, never cut inside one",
			strings.Repeat("\u00fc", 9), "'\u00fc\u00fc\u00fc\u00fc...' (18 bytes)", "'%C3%BC%C3%BC%C3%BC%C3%BC...' (18 bytes)"},
		{"a byte that is not UTF-8 counts as one character", "\xff" + strings.Repeat("a", 16), "'%FFaaa...' (17 bytes)", "'%FFaaa...' (17 bytes)"},
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

// TestQuoteURI: a value that starts like a URI, a scheme then ":/"
// (RFC 3986 Section 3.1), is quoted up to 40 bytes, so a learner can tell
// which redirect URI or resource was refused; it is cut after 40 bytes
// with "...", never inside a character, and its user information, where
// a password may be, is masked. Anything else, a secret or token
// sent in a URI's place among it, is quoted as quoteShort quotes it.
func TestQuoteURI(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"a URI of 40 bytes is whole", "https://app.example/" + strings.Repeat("a", 20), "'https://app.example/" + strings.Repeat("a", 20) + "'"},
		{"a native app's URI", "com.example.app:/oauth2redirect", "'com.example.app:/oauth2redirect'"},
		{"a URI over 40 bytes is cut, never inside a character",
			"https://app.example/" + strings.Repeat("a", 19) + "\u00fc", "'https://app.example/" + strings.Repeat("a", 19) + "...'"},
		{"a byte that is not UTF-8 is written %XX", "http://app.example/\xff", "'http://app.example/%FF'"},
		{"a token is no URI", "JfcwzmNuTsahuaII_hsuXKfByiuWqAMiAV9-r1SuXyZ", "'Jfcw...' (43 bytes)"},
		{"a Basic pair is no URI", "testclient:Zq7SecretClientValue9A8B7C6D5E4F3", "'test...' (44 bytes)"},
		{"a scheme starts with a letter", "1https://app.example/callback", "'1htt...' (29 bytes)"},
		{"a short value that is no URI is whole", "not-a-uri", "'not-a-uri'"},
		{"user information is masked (RFC 3986 Section 3.2.1)", "https://alice:hunter2@rs.example/api", "'https://xxxxx@rs.example/api'"},
		{"user information is masked before the URI is cut", "https://svc:S3cr3tPassw0rd@rs.example/api/" + strings.Repeat("a", 30),
			"'https://xxxxx@rs.example/api/" + strings.Repeat("a", 11) + "...'"},
		{"an @ in the user information is masked with it", "https://a@b:pw@rs.example/", "'https://xxxxx@rs.example/'"},
		{"an @ after the authority is no user information", "https://rs.example/p@th?a=b@c", "'https://rs.example/p@th?a=b@c'"},
		{"an @ in the query of an authority-less URI", "https://x?a@b", "'https://x?a@b'"},
		{"a URI without authority has no user information", "urn:/a:b@c", "'urn:/a:b@c'"},
	} {
		if got := quoteURI(tc.value); got != tc.want {
			t.Errorf("%s: quoteURI(%q): got %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
}
