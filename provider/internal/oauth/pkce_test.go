package oauth

import (
	"strings"
	"testing"
)

// TestS256ChallengeRFC7636AppendixB checks the example of RFC 7636 Appendix B.
func TestS256ChallengeRFC7636AppendixB(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const want = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := S256Challenge(verifier); got != want {
		t.Errorf("S256Challenge(%q): got %q, want %q", verifier, got, want)
	}
}

// TestS256MatchesAllocatesNoString: the comparison of RFC 7636 Section 4.6
// runs on every authorization code exchange, so it compares hashText's
// array and allocates nothing more than the hash itself does (sha256.Sum256
// copies a verifier longer than 32 bytes to the heap).
func TestS256MatchesAllocatesNoString(t *testing.T) {
	verifier, challenge := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	hashing := testing.AllocsPerRun(100, func() { _ = hashText(verifier) })
	var matches bool
	comparing := testing.AllocsPerRun(100, func() { matches = s256Matches(verifier, challenge) })
	if !matches || comparing > hashing {
		t.Errorf("got %v allocations (matches %v), want at most hashText's %v and a match", comparing, matches, hashing)
	}
}

func TestVerifyCodeVerifier(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	tests := []struct {
		name                string
		challenge, verifier string
		want                ErrorCode // "" = accepted
	}{
		{"matching verifier is accepted (RFC 7636 Section 4.6)", challenge, verifier, ""},
		{"no PKCE at all is accepted for a code issued without a challenge", "", "", ""},
		{"wrong verifier is invalid_grant (RFC 7636 Section 4.6)", challenge, "x" + verifier[1:], ErrInvalidGrant},
		{"missing verifier for a challenged code is invalid_grant", challenge, "", ErrInvalidGrant},
		{"verifier for an unchallenged code is refused: downgrade defence (RFC 9700 Section 2.1.1)", "", verifier, ErrInvalidGrant},
		{"42-character verifier is malformed (RFC 7636 Section 4.1)", challenge, verifier[:42], ErrInvalidRequest},
		{"129-character verifier is malformed (RFC 7636 Section 4.1)", challenge, verifier + verifier + verifier[:43], ErrInvalidRequest},
		{"verifier outside the unreserved set is malformed (RFC 7636 Section 4.1)", challenge, verifier[:42] + "+", ErrInvalidRequest},
		{"a malformed verifier for an unchallenged code is malformed first", "", "short", ErrInvalidRequest},
		{"verifier equal to the challenge (plain) is refused", challenge, challenge, ErrInvalidGrant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := requireVerifierForm(nil, tc.verifier) // as the grant checks it, first
			if err == nil {
				err = verifyCodeVerifier(nil, tc.challenge, tc.verifier)
			}
			var got ErrorCode
			if err != nil {
				got = err.Code
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVerifierFormRefusalNamesItsRuleOnce: the refusal of a malformed
// code_verifier carries its rule (ruleVerifierForm, whose Ref the trace
// and the error page show), so its description does not repeat the
// section, which could then drift from the Ref.
func TestVerifierFormRefusalNamesItsRuleOnce(t *testing.T) {
	err := requireVerifierForm(nil, "short")
	rule, ok := err.BrokenRule()
	if !ok || rule != ruleVerifierForm || strings.Contains(err.Description, "RFC") {
		t.Errorf("got %q (rule %+v), want a description without a section, under ruleVerifierForm", err.Description, rule)
	}
}

func TestCheckCodeChallenge(t *testing.T) {
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	tests := []struct {
		name              string
		public            bool
		challenge, method string
		want              ErrorCode
	}{
		{"S256 is accepted", true, challenge, "S256", ""},
		{"plain is refused, never downgraded (RFC 9700 Section 2.1.1)", false, challenge, "plain", ErrInvalidRequest},
		{"a missing method is refused (it would mean plain, RFC 7636 Section 4.3)", false, challenge, "", ErrInvalidRequest},
		{"another spelling of S256 is refused", false, challenge, "s256", ErrInvalidRequest},
		{"a public client must use PKCE (RFC 9700 Section 2.1.1)", true, "", "", ErrInvalidRequest},
		{"a confidential client may omit PKCE", false, "", "", ""},
		{"a method without a challenge is refused", false, "", "S256", ErrInvalidRequest},
		{"a challenge that is no S256 hash is refused", false, "short", "S256", ErrInvalidRequest},
		{"a challenge with a line break is refused: 43 unreserved characters (RFC 7636 Section 4.2)", false, challenge[:42] + "\n", "S256", ErrInvalidRequest},
		{"a challenge with a carriage return is refused (RFC 7636 Section 4.2)", false, challenge[:41] + "\r\n", "S256", ErrInvalidRequest},
		{"a challenge with padding is refused (RFC 7636 Section 4.2)", false, challenge[:42] + "=", "S256", ErrInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := demoClient()
			if tc.public {
				client.Type = "public"
			}
			var got ErrorCode
			if err := checkCodeChallenge(nil, client, tc.challenge, tc.method); err != nil {
				got = err.Code
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
