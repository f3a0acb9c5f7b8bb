package resource

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []Challenge
	}{
		{"the provider's bare challenge, with the DPoP one after it (RFC 9728 Section 5.1, RFC 6750 Section 3)",
			`Bearer realm="http://localhost:8080", scope="read", resource_metadata="http://localhost:8080/.well-known/oauth-protected-resource", DPoP algs="ES256 EdDSA"`,
			[]Challenge{
				{"Bearer", map[string]string{"realm": "http://localhost:8080", "scope": "read", "resource_metadata": "http://localhost:8080/.well-known/oauth-protected-resource"}},
				{"DPoP", map[string]string{"algs": "ES256 EdDSA"}},
			}},
		{"names are case-insensitive, values tokens or quoted strings (RFC 9110 Section 11.6.1)",
			`bearer Error=invalid_token , Scope = "read \"x\""`,
			[]Challenge{{"bearer", map[string]string{"error": "invalid_token", "scope": `read "x"`}}}},
		{"a scheme alone", `Bearer`, []Challenge{{"Bearer", map[string]string{}}}},
		{"an unterminated quoted string ends the parse", `Bearer scope="read`, []Challenge{{"Bearer", map[string]string{}}}},
		{"a parameter before any scheme is nothing", `=x, scope="read"`, nil},
		{"the first of a repeated parameter counts", `Bearer scope="a", scope="b"`, []Challenge{{"Bearer", map[string]string{"scope": "a"}}}},
		{"a token68 ends the parse", `Basic dXNlcjpwYXNz==, Bearer scope="read"`, []Challenge{{"Basic", map[string]string{}}}},
		{"a value of 8 KB is read", `Bearer scope="` + strings.Repeat("s", maxChallengeValue-len(`Bearer scope=""`)) + `"`,
			[]Challenge{{"Bearer", map[string]string{"scope": strings.Repeat("s", maxChallengeValue-len(`Bearer scope=""`))}}}},
		{"a longer value is not: its thousands of challenges would each cost a map", "Bearer" + strings.Repeat(" a", maxChallengeValue/2), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseChallenges(tt.value); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseChallenges(%q) = %+v, want %+v", tt.value, got, tt.want)
			}
		})
	}
}

func TestBearerChallengeIsFoundInAnyValue(t *testing.T) {
	c, ok := BearerChallenge([]string{`DPoP algs="ES256"`, `Bearer resource_metadata="https://rs.example/.well-known/oauth-protected-resource"`})
	if !ok || c.Params["resource_metadata"] != "https://rs.example/.well-known/oauth-protected-resource" {
		t.Errorf("BearerChallenge = %+v, %v; want the Bearer challenge of the second value", c, ok)
	}
	if _, ok := BearerChallenge([]string{`DPoP algs="ES256"`}); ok {
		t.Error("BearerChallenge found a Bearer challenge where there is none")
	}
}

// FuzzParseChallenges: any header value parses without panicking, and
// every challenge has a scheme.
func FuzzParseChallenges(f *testing.F) {
	for _, seed := range []string{`Bearer realm="a", scope="read"`, `Bearer scope="\"`, `a=b`, `DPoP algs="ES256", Bearer x=y`, ``, `"`, `Bearer ,,, =`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, c := range ParseChallenges(value) {
			if c.Scheme == "" || c.Params == nil {
				t.Errorf("ParseChallenges(%q) gave %+v", value, c)
			}
		}
	})
}
