package oauth

import (
	"strings"
	"unicode/utf8"
)

// validText reports whether a parameter value is text: valid UTF-8 with no
// NUL. Parameters travel form-encoded, and "Values are encoded using UTF-8
// first" ([RFC 6749 Appendix B]); no parameter of OAuth or of the sign-in
// form holds a NUL. A value that is not text is refused where it is parsed,
// before it can reach a store (PostgreSQL would refuse it with an error of
// its own; SQLite would keep it).
//
// [RFC 6749 Appendix B]: https://www.rfc-editor.org/rfc/rfc6749#appendix-B
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// stringsOf returns values of a string type (grant types, algorithms, auth
// methods) as the plain strings a registration, the metadata or an error
// message holds.
func stringsOf[S ~string](values ...S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
