package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// signedInAsDemo is how a consent page that needs no password names the
// demo user.
const signedInAsDemo = "Signed in as <strong>Demo User</strong> (<code>demo</code>)"

// consentPageOf opens the consent page a signed-in browser b reaches at
// srv: the device's (for a new device authorization request) or the
// authorization endpoint's. It returns the response and the page.
type consentPageOf func(t *testing.T, srv *providertest.Server, b *browser) (*http.Response, string)

// consentPages are the two consent pages that share the "signin" template.
var consentPages = []struct {
	name string
	open consentPageOf
}{
	{"device", func(t *testing.T, srv *providertest.Server, b *browser) (*http.Response, string) {
		return b.EnterUserCode(startDevice(t, deviceConfig(srv, "read")).VerificationURIComplete)
	}},
	{"authorize", func(_ *testing.T, srv *providertest.Server, b *browser) (*http.Response, string) {
		return b.Get(demoConfig(srv, oauth2.AuthStyleInHeader, "read").AuthCodeURL("s"))
	}},
}

// TestE2ESwitchAccount: a consent page that needs no password names the
// signed-in user (RFC 8628 Section 3.3: "inform the user about the action
// they are undertaking") and offers "Use another account": that form, with
// the session's CSRF token, ends the login session, in the store too (a
// copy of the cookie signs no one in), and shows the same page with the
// sign-in fields, where another sign-in decides; without the token it is
// refused with 403 and the user stays signed in. Each page checks the
// token once (RFC 6749 Section 10.12), in the one step both share. The
// trace says a session ended only where one did. On both pages, on SQLite
// and PostgreSQL.
func TestE2ESwitchAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		for _, page := range consentPages {
			t.Run(page.name, func(t *testing.T) {
				srv := newServer(providertest.Options{})
				b := newBrowser(t)
				b.Approve(demoConfig(srv, oauth2.AuthStyleInHeader, "read").AuthCodeURL("s"))
				resp, consent := page.open(t, srv, b)
				if providertest.AsksPassword(consent) || !strings.Contains(consent, signedInAsDemo) || !strings.Contains(consent, `name="switch_account"`) {
					t.Fatalf("consent page of a signed-in user: want who is signed in and a way to use another account: %s", consent)
				}
				forged := providertest.FormFields(consent)
				forged.Set("switch_account", "1")
				forged.Set("csrf_token", "x")
				r, p := b.Submit(resp, consent, forged)
				if r.StatusCode != http.StatusForbidden || providertest.AsksPassword(p) {
					t.Fatalf("switch without the CSRF token: got %d, want 403 and still signed in: %s", r.StatusCode, p)
				}
				wantCheckedOnce(t, srv, r, csrfRule, false)
				doubled := providertest.FormFields(consent)
				doubled.Set("switch_account", "1")
				doubled.Add("csrf_token", "x")
				r, p = b.Submit(resp, consent, doubled)
				if r.StatusCode != http.StatusBadRequest || providertest.AsksPassword(p) {
					t.Fatalf("switch with csrf_token twice, the right one first: got %d, want 400 and still signed in: %s", r.StatusCode, p)
				}
				wantCheckedOnce(t, srv, r, fieldsOnceRule, false)
				copied := withCookiesOf(t, srv, b)
				switched := providertest.FormFields(consent)
				switched.Set("switch_account", "1")
				r, p = b.Submit(resp, consent, switched)
				if r.StatusCode != http.StatusOK || !providertest.AsksPassword(p) || strings.Contains(p, "Signed in as") {
					t.Fatalf("switch: got %d, want 200 with the sign-in fields: %s", r.StatusCode, p)
				}
				wantCheckedOnce(t, srv, r, csrfRule, true)
				wantCheckedOnce(t, srv, r, fieldsOnceRule, true)
				wantSwitchTrace(t, srv, r, []string{"login session ended: the next sign-in asks for the password"}, "shown")
				if _, again := page.open(t, srv, copied); !providertest.AsksPassword(again) {
					t.Errorf("a copy of the cookie from before the switch still signs the user in: %s", again)
				}
				if r, p := b.Decide(r, p, "allow"); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusFound {
					t.Errorf("deciding after the switch, with the password: got %d: %s", r.StatusCode, p)
				}
				if _, after := page.open(t, srv, b); !strings.Contains(after, signedInAsDemo) {
					t.Errorf("after signing in again: want the consent page to name the user: %s", after)
				}

				// A browser where no one is signed in (a second tab after a
				// logout) has no session to end, and its trace says so.
				anonymous := newBrowser(t)
				resp, consent = page.open(t, srv, anonymous)
				switched = providertest.FormFields(consent)
				switched.Set("switch_account", "1")
				if r, p := anonymous.Submit(resp, consent, switched); r.StatusCode != http.StatusOK || !providertest.AsksPassword(p) {
					t.Errorf("switch where no one is signed in: got %d, want 200 with the sign-in fields: %s", r.StatusCode, p)
				} else {
					wantSwitchTrace(t, srv, r, nil, "no one was signed in: no session to end; the sign-in fields are shown")
				}
			})
		}
	})
}

// wantSwitchTrace wants the trace of the switch answered with resp to hold
// exactly the changes want and an outcome holding outcome.
func wantSwitchTrace(t *testing.T, srv *providertest.Server, resp *http.Response, want []string, outcome string) {
	t.Helper()
	got, _ := traceOf(t, srv, resp)
	if !slices.Equal(got.Changes, want) || !strings.Contains(got.Outcome, outcome) {
		t.Errorf("trace of the switch: changes %q, outcome %q; want changes %q, an outcome with %q", got.Changes, got.Outcome, want, outcome)
	}
}

// Two rules each consent page applies once to a switch: the CSRF token
// (RFC 6749 Section 10.12) and no form field twice (RFC 6749 Section 3.1),
// as the trace states them (a word of the rule, and its section).
var (
	csrfRule       = traceCheck{Rule: "CSRF", Ref: "RFC 6749 Section 10.12"}
	fieldsOnceRule = traceCheck{Rule: "more than once", Ref: "RFC 6749 Section 3.1"}
)

// wantCheckedOnce wants the trace of the switch answered with resp to
// apply rule (csrfRule, fieldsOnceRule) exactly once, with the verdict
// passed.
func wantCheckedOnce(t *testing.T, srv *providertest.Server, resp *http.Response, rule traceCheck, passed bool) {
	t.Helper()
	got, _ := traceOf(t, srv, resp)
	var applied []traceCheck
	for _, c := range got.Checks {
		if c.Ref == rule.Ref && strings.Contains(c.Rule, rule.Rule) {
			applied = append(applied, c)
		}
	}
	if len(applied) != 1 || applied[0].Passed != passed {
		t.Errorf("trace of the switch: got checks %+v of %q, want one, passed %v", applied, rule.Rule, passed)
	}
}
