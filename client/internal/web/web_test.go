package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/metadata"
)

func TestRandomTokenHas256Bits(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := randomToken()
		// 32 bytes, base64url without padding: 43 characters.
		if len(s) != 43 || strings.ContainsAny(s, "+/=") {
			t.Fatalf("randomToken() = %q, want 43 base64url characters", s)
		}
		if seen[s] {
			t.Fatalf("randomToken() repeated %q", s)
		}
		seen[s] = true
	}
}

func TestHeldResponseWaitsHeldTTL(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	held := func(age time.Duration) *heldResponse { return &heldResponse{Created: now.Add(-age)} }
	tests := []struct {
		name string
		h    *heldResponse
		want bool
	}{
		{"none", nil, false},
		{"just held", held(0), true},
		{"a second before heldTTL", held(heldTTL - time.Second), true},
		{"at heldTTL", held(heldTTL), false},
	}
	for _, tt := range tests {
		if got := tt.h.waiting(now); got != tt.want {
			t.Errorf("%s: waiting() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPendingAuthorizations(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	pending := func(state string, age time.Duration) pendingAuthorization {
		return pendingAuthorization{State: state, Nonce: "n-" + state, CodeVerifier: "v-" + state, Created: now.Add(-age)}
	}
	tests := []struct {
		name   string
		add    []pendingAuthorization
		state  string
		wantOK bool
	}{
		{"the matching state is found (RFC 6749 Section 10.12)", []pendingAuthorization{pending("a", 0), pending("b", 0)}, "b", true},
		{"an unknown state is not", []pendingAuthorization{pending("a", 0)}, "x", false},
		{"an empty state is not", []pendingAuthorization{pending("", 0)}, "", false},
		{"a prefix of the state is not", []pendingAuthorization{pending("abc", 0)}, "ab", false},
		{"an expired request is not", []pendingAuthorization{pending("a", pendingTTL)}, "a", false},
		{"the oldest request gives way past maxPending",
			[]pendingAuthorization{pending("1", 5), pending("2", 4), pending("3", 3), pending("4", 2), pending("5", 1)}, "1", false},
		{"the newest requests are kept",
			[]pendingAuthorization{pending("1", 5), pending("2", 4), pending("3", 3), pending("4", 2), pending("5", 1)}, "2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d sessionData
			for _, p := range tt.add {
				d.addPending(p, now)
			}
			got, ok := d.takePending(tt.state, false, now)
			if ok != tt.wantOK {
				t.Fatalf("takePending(%q) ok = %v, want %v", tt.state, ok, tt.wantOK)
			}
			if ok && (got.Nonce != "n-"+tt.state || got.CodeVerifier != "v-"+tt.state) {
				t.Errorf("takePending(%q) = %+v, want the request with that state", tt.state, got)
			}
			if ok {
				if _, again := d.takePending(tt.state, false, now); again {
					t.Error("a state was accepted twice: it must be single use")
				}
			}
			if len(d.Pending) > maxPending {
				t.Errorf("%d pending requests kept, want at most %d", len(d.Pending), maxPending)
			}
		})
	}
}

func TestCheckIssuer(t *testing.T) {
	const issuer = "https://as.example"
	tests := []struct {
		name       string
		advertised bool
		query      string
		wantRule   *rule // the rule the refusal quotes; nil: accepted
	}{
		{"the expected issuer is accepted (RFC 9207 Section 2.4)", true, "iss=https%3A%2F%2Fas.example", nil},
		{"another issuer is refused (RFC 9207 Section 2.4)", true, "iss=https%3A%2F%2Fevil.example", &ruleIssuerMatches},
		{"a trailing slash is another issuer: simple string comparison (RFC 9207 Section 2.4)", true, "iss=https%3A%2F%2Fas.example%2F", &ruleIssuerMatches},
		{"an empty iss is another issuer (RFC 9207 Section 2.4)", true, "iss=", &ruleIssuerMatches},
		{"a missing iss is refused when advertised, as missing (RFC 9207 Section 2.4)", true, "", &ruleIssuerSent},
		{"a missing iss is accepted when not advertised (RFC 9207 Section 2.4)", false, "", nil},
		{"a wrong iss is refused even when not advertised (RFC 9207 Section 2.4)", false, "iss=x", &ruleIssuerMatches},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := metadata.Metadata{Issuer: issuer, AuthorizationResponseIssParameterSupported: tt.advertised}
			q, _ := url.ParseQuery(tt.query)
			err := checkIssuer(parseAuthorizationResponse(q), server, i18n.English)
			if (err == nil) != (tt.wantRule == nil) {
				t.Fatalf("checkIssuer(%q) = %v, want ok=%v", tt.query, err, tt.wantRule == nil)
			}
			if err == nil {
				return
			}
			v := err.(*pageError).view
			if v.Rule != tt.wantRule.Quoted() {
				t.Errorf("checkIssuer(%q) quotes %q, want %q", tt.query, v.Rule, tt.wantRule.Quoted())
			}
			if names := strings.Contains(v.Message, "names another issuer"); names != (tt.wantRule == &ruleIssuerMatches) {
				t.Errorf("checkIssuer(%q) explains %q: says another issuer is named = %v, want %v", tt.query, v.Message, names, !names)
			}
		})
	}
}

// TestCheckIssuerDetailInChinese: the detail of an issuer refusal is in the
// page's language, the iss values as the wire carries them.
func TestCheckIssuerDetailInChinese(t *testing.T) {
	server := metadata.Metadata{Issuer: "https://as.example", AuthorizationResponseIssParameterSupported: true}
	for _, query := range []string{"", "iss=https%3A%2F%2Fevil.example"} {
		q, _ := url.ParseQuery(query)
		err := checkIssuer(parseAuthorizationResponse(q), server, i18n.TraditionalChinese)
		if err == nil {
			t.Fatalf("checkIssuer(%q) accepted the response, want a refusal", query)
		}
		if d := err.(*pageError).view.Detail; strings.Contains(d, "expected") || !strings.Contains(d, `"https://as.example"`) {
			t.Errorf("checkIssuer(%q) details %q, want it in Chinese, naming the expected issuer", query, d)
		}
	}
}

func TestAuthorizationErrorPages(t *testing.T) {
	for code, wantStatus := range map[string]int{"access_denied": http.StatusForbidden, "invalid_scope": http.StatusBadRequest, "made_up": http.StatusBadRequest} {
		q := url.Values{"error": {code}, "error_description": {"because"}}
		pe := authorizationError(parseAuthorizationResponse(q)).(*pageError)
		if pe.status != wantStatus || pe.view.Code != code || pe.view.Description != "because" {
			t.Errorf("authorizationError(%s) = %d %+v, want status %d with the code and description", code, pe.status, pe.view, wantStatus)
		}
	}
}

func TestValidCSRF(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tests := []struct {
		name, body, want string
		ok               bool
	}{
		{"the session's token passes", "csrf_token=abc", "abc", true},
		{"a missing token fails", "", "abc", false},
		{"another token fails", "csrf_token=abd", "abc", false},
		{"an empty session token never passes", "csrf_token=", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/refresh", strings.NewReader(tt.body))
			c.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if got := validCSRF(c, tt.want); got != tt.ok {
				t.Errorf("validCSRF = %v, want %v", got, tt.ok)
			}
		})
	}
}

func TestTemplatesParse(t *testing.T) {
	if _, err := parsePages(time.Now); err != nil {
		t.Fatal(err)
	}
}
