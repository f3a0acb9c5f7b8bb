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
	f.Fuzz(func(t *testing.T, raw string) {
		_, _ = Decode(raw)
	})
}
