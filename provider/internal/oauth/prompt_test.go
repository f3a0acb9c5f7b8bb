package oauth

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
)

func TestAnswerPromptNone(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const own, mcp, other = "https://issuer.example", "https://mcp.example/mcp", "https://other.example/mcp"
	p := &Provider{Clock: func() time.Time { return now }, Config: config.Config{Issuer: own}}
	approvedFor := func(resources ...string) LoginSession { // signed in, approved "openid read" for resources
		return LoginSession{UserID: "u1", AuthTime: now.Add(-time.Minute), Consented: "openid read", ConsentedResources: resources}
	}
	signedIn := approvedFor(own, mcp)
	request := func(change func(a *Authorization)) *Authorization {
		a := &Authorization{Client: demoClient(), RedirectURI: "https://app.example/cb", State: "s1",
			Scope: "openid read", Prompt: []Prompt{PromptNone}, MaxAge: -1}
		if change != nil {
			change(a)
		}
		return a
	}
	tests := []struct {
		name    string
		a       *Authorization
		session LoginSession
		want    ErrorCode // "" for approved at once
	}{
		{"signed in and consented: approved without a page (OIDC Core Section 3.1.2.1)", request(nil), signedIn, ""},
		{"consented to more than asked: approved", request(func(a *Authorization) { a.Scope = "read" }), signedIn, ""},
		{"no one signed in: login_required (OIDC Core Section 3.1.2.1)", request(nil), LoginSession{}, ErrLoginRequired},
		{"signed in longer ago than max_age: login_required (OIDC Core Section 3.1.2.1)",
			request(func(a *Authorization) { a.MaxAge = 30 * time.Second }), signedIn, ErrLoginRequired},
		{"a scope never approved: consent_required (OIDC Core Section 3.1.2.1)",
			request(func(a *Authorization) { a.Scope = "openid read write" }), signedIn, ErrConsentRequired},
		{"resource servers approved before: approved (RFC 8707 Section 2)",
			request(func(a *Authorization) { a.Resources = []string{mcp, own} }), signedIn, ""},
		{"a resource server never approved: consent_required (RFC 8707 Section 2)",
			request(func(a *Authorization) { a.Resources = []string{mcp, other} }), signedIn, ErrConsentRequired},
		{"the provider's own, never approved, for a request naming none: consent_required (RFC 8707 Section 2)",
			request(nil), approvedFor(mcp), ErrConsentRequired},
		{"an approval remembered without resource servers: consent_required (RFC 8707 Section 2)",
			request(nil), approvedFor(), ErrConsentRequired},
		{"a public client: consent_required (RFC 8252 Section 8.6)",
			request(func(a *Authorization) { a.Client.Type = store.Public }), signedIn, ErrConsentRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.AnswerPromptNone(context.Background(), tc.a, tc.session)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %s (%s), want approval", err.Error.Code, err.Error.Description)
			case tc.want == "":
				return
			case err == nil:
				t.Fatalf("got approval, want %s", tc.want)
			case err.Error.Code != tc.want:
				t.Fatalf("got %s, want %s", err.Error.Code, tc.want)
			case err.RedirectURI != tc.a.RedirectURI || err.State != tc.a.State:
				t.Fatalf("got redirect %q state %q, want the error redirected to %q with state %q",
					err.RedirectURI, err.State, tc.a.RedirectURI, tc.a.State)
			}
		})
	}
}

func TestCheckFormFieldsOnce(t *testing.T) {
	for _, field := range userFormFields {
		form := url.Values{field: {"a", "b"}}
		if err := CheckFormFieldsOnce(context.Background(), form); err == nil || err.Code != ErrInvalidRequest {
			t.Errorf("%s sent twice: got %v, want invalid_request (RFC 6749 Section 3.1)", field, err)
		}
	}
	once := url.Values{"csrf_token": {"t"}, "decision": {"allow"}, "username": {"demo"}, "password": {"p"},
		"user_code": {"BCDF-GHJK"}, "resource": {"https://a.example", "https://b.example"}}
	if err := CheckFormFieldsOnce(context.Background(), once); err != nil {
		t.Errorf("each field once (resource, which may repeat, twice): got %v, want nil", err)
	}
}

func TestDecide(t *testing.T) {
	a := &Authorization{Client: demoClient(), RedirectURI: "https://app.example/cb", State: "s1"}
	for _, tc := range []struct {
		decision string
		want     ErrorCode // "" for the code issued
	}{
		{"allow", ""},
		{"", ""}, // the form's default button
		{"deny", ErrAccessDenied},
	} {
		decision, ok := ParseDecision(context.Background(), tc.decision)
		if !ok {
			t.Fatalf("decision %q: not a decision", tc.decision)
		}
		err := a.Decide(context.Background(), decision)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("decision %q: got %s, want the code issued", tc.decision, err.Error.Code)
		case tc.want != "" && (err == nil || err.Error.Code != tc.want || err.RedirectURI != a.RedirectURI):
			t.Errorf("decision %q: got %v, want %s redirected to the client (RFC 6749 Section 4.1.2.1)", tc.decision, err, tc.want)
		}
	}
	if _, ok := ParseDecision(context.Background(), "maybe"); ok {
		t.Error(`decision "maybe": got a decision, want none (the form is shown again)`)
	}
}
