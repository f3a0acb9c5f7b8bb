package tokenview

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty stays empty", "", ""},
		{"short values are hidden entirely", "abc123", "…"},
		{"tokens keep 6+4 characters", "eyJhbGciOiJSUzI1NiJ9.payload.signatureXYZW", "eyJhbG…XYZW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := MaskSecret("testsecret"); strings.Contains(got, "test") {
		t.Errorf("MaskSecret shows part of the secret: %q", got)
	}
}

func TestMaskTellsRotatedTokensApart(t *testing.T) {
	a := Mask("r1_" + strings.Repeat("a", 40) + "1111")
	b := Mask("r1_" + strings.Repeat("a", 40) + "2222")
	if a == b {
		t.Errorf("Mask gives %q for two different tokens", a)
	}
}

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDecode(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	raw := seg(`{"alg":"RS256","typ":"at+jwt","kid":"k1"}`) + "." +
		seg(`{"iss":"http://localhost:8080","sub":"user1","exp":1700003600,"iat":1700000000}`) + ".c2ln"
	got, err := Decode(raw)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !strings.Contains(got.Header, `"typ": "at+jwt"`) {
		t.Errorf("Header = %s, want pretty JSON with typ", got.Header)
	}
	if got.Values["sub"] != "user1" {
		t.Errorf("Values[sub] = %v, want user1", got.Values["sub"])
	}
	if len(got.Times) != 2 || got.Times[1].Name != "exp" || !got.Times[1].At.Equal(now.Add(time.Hour)) {
		t.Errorf("Times = %+v, want iat then exp in 1 hour", got.Times)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, raw := range []string{"", "opaque-token", "a.b", "!!.!!.!!", seg("{}") + "." + seg("[1]") + ".x", seg("nope") + "." + seg("{}") + ".x"} {
		if _, err := Decode(raw); err == nil {
			t.Errorf("Decode(%q) = nil error, want an error", raw)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("a.b.c")
	f.Add(seg(`{"alg":"none"}`) + "." + seg(`{"exp":1e300}`) + ".")
	f.Add(seg(`{"alg":"none"}`) + "." + seg(nested(100)) + ".")
	f.Fuzz(func(t *testing.T, raw string) {
		_, _ = Decode(raw)
	})
}

// nested returns a JSON document whose member x nests arrays depth deep.
func nested(depth int) string {
	return `{"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

// TestDecodeOfDeepClaimsIsLinear: a token's claims nested thousands deep
// (a hostile provider's access token, decoded only for display) are shown
// compact, with a note, in output about as long as the claims: indented, a
// claims set of 18 KB took 160 MB.
func TestDecodeOfDeepClaimsIsLinear(t *testing.T) {
	for _, depth := range []int{maxIndentDepth + 1, 3000, 9000} {
		claims := nested(depth)
		got, err := Decode(seg(`{"alg":"none"}`) + "." + seg(claims) + ".")
		if err != nil {
			t.Fatalf("depth %d: Decode: %v", depth, err)
		}
		if len(got.Claims) > 2*len(claims)+100 {
			t.Errorf("depth %d: %d bytes of claims shown as %d bytes, want at most twice as many", depth, len(claims), len(got.Claims))
		}
		if !strings.Contains(got.Claims, "not indented") || got.Values["x"] == nil {
			t.Errorf("depth %d: Claims = %.80q…, Values = %.80v; want the compact claims with a note, and x read", depth, got.Claims, got.Values)
		}
	}
}

// TestIndentJSONIndentsTheProtocolsDocuments: a document nested
// maxIndentDepth deep is still indented, and brackets inside strings do not
// count as nesting.
func TestIndentJSONIndentsTheProtocolsDocuments(t *testing.T) {
	for _, doc := range []string{
		nested(maxIndentDepth - 1),
		`{"keys":[{"kid":"[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{{{{{{{{"}]}`,
	} {
		got, err := IndentJSON([]byte(doc))
		if err != nil || !strings.Contains(got, "\n  ") || strings.Contains(got, "not indented") {
			t.Errorf("IndentJSON(%s) = %q, %v; want it indented", doc, got, err)
		}
	}
}
