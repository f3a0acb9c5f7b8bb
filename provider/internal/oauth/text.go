package oauth

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	josejson "github.com/go-jose/go-jose/v4/json"
)

// validText reports whether a parameter value is text: valid UTF-8 with no
// NUL. Parameters travel form-encoded, and their "names and values MUST be
// encoded using the UTF-8 character encoding scheme [RFC3629] first"
// ([RFC 6749 Appendix B]); no parameter of OAuth or of the sign-in
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

// notText says why a value that validText refuses is not text, for the
// error_description that names the parameter: a NUL is a control
// character, which no parameter holds; other bytes are not UTF-8.
func notText(s string) string {
	if utf8.ValidString(s) {
		return "holds a NUL, a control character"
	}
	return "is not valid UTF-8"
}

// unmarshalExact decodes a JSON document into v as encoding/json does,
// except in two ways that decide which member sets a field. A member name
// matches a field's name exactly: encoding/json also matches it ignoring
// case, with Unicode folding ("Redirect_URIs", or "redirect_uriſ" with a
// long s, would set redirect_uris). And an object that holds a name twice
// is refused: [RFC 8259 Section 4] says "The names within an object SHOULD
// be unique" and that when they are not, "the behavior of software that
// receives such an object is unpredictable"; encoding/json lets the last
// one win, silently. go-jose's JSON package, written for JOSE headers,
// decodes so; its refusal of a repeated name is errRepeatedMember here.
//
// [RFC 8259 Section 4]: https://www.rfc-editor.org/rfc/rfc8259#section-4
func unmarshalExact(data []byte, v any) error {
	err := josejson.Unmarshal(data, v)
	if err != nil && strings.HasPrefix(err.Error(), "json: duplicate key ") {
		return fmt.Errorf("%w: %w", errRepeatedMember, err)
	}
	return err
}

// errRepeatedMember is unmarshalExact's error for an object that holds a
// member name twice.
var errRepeatedMember = errors.New("oauth: a JSON object repeats a member name")

// alnumOr reports whether every byte of s is an ASCII letter or digit, or
// one of the bytes of also.
func alnumOr(s, also string) bool {
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(also, c) >= 0) {
			return false
		}
	}
	return true
}
