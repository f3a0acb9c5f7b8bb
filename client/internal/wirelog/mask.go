package wirelog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/oauth-reference/client/internal/tokenview"
)

// maxShown is how much of a body that needs no masking (an HTML page) is kept.
const maxShown = 2 << 10

// tokenParams are parameters whose values are tokens or codes: shown as
// tokenview.Mask shows them, enough to tell two apart. The names are those of
// [RFC 6749 Section 4.1.3] (code), [RFC 6749 Section 5.1] (access_token,
// refresh_token), [OIDC Core Section 3.1.3.3] (id_token),
// [RFC 7009 Section 2.1] (token), [RFC 8628 Section 3.2] (device_code),
// [OIDC RP-Initiated Logout Section 2] (id_token_hint) and
// [RFC 7591 Section 3.2.1] (registration_access_token: whoever holds it may
// read or delete the client's registration).
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
// [OIDC Core Section 3.1.3.3]: https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
// [RFC 7591 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
var tokenParams = map[string]bool{
	"code": true, "access_token": true, "refresh_token": true, "id_token": true,
	"token": true, "device_code": true, "id_token_hint": true, "registration_access_token": true,
}

// secretParams are parameters whose values are never shown in any part:
// client_secret ([RFC 6749 Section 2.3.1]), code_verifier ([RFC 7636 Section 4.5]),
// password and client assertions.
//
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
// [RFC 7636 Section 4.5]: https://www.rfc-editor.org/rfc/rfc7636#section-4.5
var secretParams = map[string]bool{
	"client_secret": true, "code_verifier": true, "password": true,
	"client_assertion": true, "assertion": true,
}

// MaskParam masks the value of parameter name if it is a token or a secret,
// and returns any other value shortened (Shorten).
func MaskParam(name, value string) string {
	switch {
	case secretParams[name]:
		return tokenview.MaskSecret(value)
	case tokenParams[name]:
		return tokenview.Mask(value)
	default:
		return Shorten(value)
	}
}

// maxValueShown is the most of a parameter's value that is shown: more
// than any value of the protocol this client sends or expects (a 4096-bit
// RSA key's "n" is 683 characters), far less than a query or body can
// carry.
const maxValueShown = 1 << 10

// Shorten returns a value that comes from elsewhere (a parameter of the
// authorization response, an error_description) ready to be shown: cut to
// maxValueShown bytes, at a character's start, and marked with "…" when
// cut. The redirection endpoint takes whatever query a browser brings it,
// and a page must not echo all of it.
func Shorten(value string) string {
	return cutAt(value, maxValueShown)
}

// cutAt returns value cut to at most n bytes, at a character's start, and
// marked with "…" when cut.
func cutAt(value string, n int) string {
	if len(value) <= n {
		return value
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(value[cut]) {
		cut--
	}
	return value[:cut] + "…"
}

// MaskURL returns u with sensitive query values masked. A token never belongs
// in a URL ([RFC 6750 Section 2.3] is discouraged, and refused here), but if
// one is there it is not logged.
//
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
func MaskURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	s := c.String()
	if u.RawQuery != "" {
		s += "?" + maskForm(u.RawQuery)
	}
	return s
}

// maskBody returns a body ready to show. JSON and form bodies are parsed
// and their sensitive values masked; if they cannot be parsed they are not
// shown at all, since a secret in them could not be found. Other bodies (an
// HTML resource page) are shown as they are, shortened.
func maskBody(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		return maskForm(string(body))
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") || looksLikeJSON(body):
		if s, err := maskJSON(body); err == nil {
			return s
		}
		return fmt.Sprintf("(%d bytes not shown: they could not be parsed to mask secrets)", len(body))
	default:
		return BodyText(contentType, body)
	}
}

func looksLikeJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// maskForm masks an application/x-www-form-urlencoded string, keeping the
// parameters in their order and showing them unescaped for reading.
func maskForm(form string) string {
	if len(form) > maxCapture {
		return fmt.Sprintf("(%d bytes not shown: too long to mask)", len(form))
	}
	pairs := strings.Split(form, "&")
	for i, pair := range pairs {
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			pairs[i] = k + "=" + tokenview.MaskSecret(v)
			continue
		}
		pairs[i] = name + "=" + MaskParam(name, value)
	}
	return strings.Join(pairs, "&")
}

// maskJSON masks the sensitive members of a JSON document, at any depth, and
// indents it (tokenview.IndentJSON). The members keep the order they came in: the page shows the
// document as it was received, masked.
func maskJSON(body []byte) (string, error) {
	if len(body) > maxCapture {
		return "", fmt.Errorf("wirelog: body longer than %d bytes", maxCapture)
	}
	if !json.Valid(body) { // which also bounds the nesting copyMasked recurses into
		return "", errors.New("wirelog: body is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := copyMasked(dec, enc, &compact, ""); err != nil {
		return "", err
	}
	return tokenview.IndentJSON(compact.Bytes())
}

// copyMasked copies the next JSON value of dec to out, in order, a string
// masked by the name of the member it is the value of, or is in (an array's
// element): name, "" for the document itself. Strings and names are
// written by enc (onto out), whose newlines tokenview.IndentJSON drops.
func copyMasked(dec *json.Decoder, enc *json.Encoder, out *bytes.Buffer, name string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case json.Delim: // '{' or '[': a closing one cannot start a value
		out.WriteRune(rune(tok))
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			member := name // an array's elements are its member's
			if tok == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				member, _ = key.(string)
				if err := enc.Encode(member); err != nil {
					return err
				}
				out.WriteByte(':')
			}
			if err := copyMasked(dec, enc, out, member); err != nil {
				return err
			}
		}
		end, err := dec.Token() // the closing '}' or ']'
		if err != nil {
			return err
		}
		fmt.Fprint(out, end)
	case string:
		return enc.Encode(MaskParam(name, tok))
	case nil:
		out.WriteString("null")
	default: // json.Number (UseNumber) or bool
		fmt.Fprint(out, tok)
	}
	return nil
}

// decodeJWT shows a DPoP proof's or a client assertion's header and claims
// ("" when there is none or it cannot be decoded). Nothing in them is
// secret: the ath claim is a hash of the access token, not the token, and
// an assertion's claims only name the client; the signature is left out.
func decodeJWT(raw string) string {
	if raw == "" {
		return ""
	}
	jwt, err := tokenview.Decode(raw)
	if err != nil {
		return ""
	}
	return jwt.Header + "\n.\n" + jwt.Claims
}

// formValue returns the field name of a form-encoded body ("" for any other
// body).
func formValue(contentType string, body []byte, name string) string {
	if mediaType, _, _ := mime.ParseMediaType(contentType); mediaType != "application/x-www-form-urlencoded" {
		return ""
	}
	form, _ := url.ParseQuery(string(body))
	return form.Get(name)
}

// maskAuthorization masks an Authorization header. For HTTP Basic client
// authentication ([RFC 6749 Section 2.3.1]) it shows the client_id, which is
// not secret, and hides the password; a Bearer token ([RFC 6750 Section 2.1])
// is shown masked.
//
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func maskAuthorization(v string) string {
	scheme, cred, _ := strings.Cut(v, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		id, _, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return "Basic " + tokenview.MaskSecret(cred)
		}
		if unescaped, err := url.QueryUnescape(id); err == nil {
			id = unescaped
		}
		return fmt.Sprintf("Basic base64(%s:%s)", id, tokenview.MaskSecret("secret"))
	case "bearer":
		return "Bearer " + tokenview.Mask(cred)
	case "dpop": // a DPoP-bound token, RFC 9449 Section 7.1
		return "DPoP " + tokenview.Mask(cred)
	default:
		return scheme + " " + tokenview.MaskSecret(cred)
	}
}
