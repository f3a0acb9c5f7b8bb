package wirelog

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// secretNames are the parameters no part of whose values may be shown.
var secretNames = []string{"client_secret", "code_verifier", "password", "client_assertion", "assertion"}

// FuzzMaskSecrets: a secret that the provider would read from a form body,
// a query, a JSON body or a Basic Authorization header
// (RFC 6749 Section 2.3.1) never shows in what the wire log shows, as it
// is or escaped.
func FuzzMaskSecrets(f *testing.F) {
	f.Add("grant_type=client_credentials", uint8(0), "s3cr3t-VALUE-0123456789", "scope=read", `{"a":1}`)
	f.Add("a=%zz", uint8(1), "verifierverifierverifierverifierverifier43", "", `{"client_secret":["x"],"b":{"c":"d"}}`)
	f.Add("client_secret=1&", uint8(2), "p@ss word+%2F", "x", `{}`)
	f.Fuzz(func(t *testing.T, prefix string, which uint8, secret, suffix, doc string) {
		if len(secret) < 8 || strings.Contains(prefix+suffix+doc, secret) {
			return
		}
		name := secretNames[int(which)%len(secretNames)]
		form := prefix + "&" + url.QueryEscape(name) + "=" + url.QueryEscape(secret) + "&" + suffix
		if values, err := url.ParseQuery(form); err == nil && slices.Contains(values[name], secret) {
			for _, shown := range []string{maskBody("application/x-www-form-urlencoded", []byte(form)), MaskURL(&url.URL{Scheme: "https", Host: "h", Path: "/p", RawQuery: form})} {
				if leaks(shown, secret) {
					t.Fatalf("form %q: the secret %q shows in %q", form, secret, shown)
				}
			}
		}
		if jdoc, ok := withMember(doc, name, secret); ok {
			if shown := maskBody("application/json", []byte(jdoc)); leaks(shown, secret) {
				t.Fatalf("JSON %q: the secret shows in %q", jdoc, shown)
			}
		}
		if !strings.Contains(prefix, ":") {
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(prefix)+":"+url.QueryEscape(secret)))
			if shown := maskAuthorization(basic); leaks(shown, secret) {
				t.Fatalf("Authorization %q: the secret shows in %q", basic, shown)
			}
		}
	})
}

// withMember returns the JSON object doc with the member name: secret put
// first, and false when doc is no JSON object.
func withMember(doc, name, secret string) (string, bool) {
	var obj map[string]json.RawMessage
	d := strings.TrimSpace(doc)
	if json.Unmarshal([]byte(d), &obj) != nil || !strings.HasPrefix(d, "{") {
		return "", false
	}
	value, _ := json.Marshal(secret)
	member := `"` + name + `":` + string(value)
	if strings.TrimSpace(d[1:]) != "}" {
		member += ","
	}
	return "{" + member + d[1:], true
}

// leaks reports whether shown holds secret as it is, or escaped for a URL
// or for JSON.
func leaks(shown, secret string) bool {
	j, _ := json.Marshal(secret)
	return strings.Contains(shown, secret) || strings.Contains(shown, url.QueryEscape(secret)) || strings.Contains(shown, strings.Trim(string(j), `"`))
}
