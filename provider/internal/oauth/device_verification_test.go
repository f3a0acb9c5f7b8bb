package oauth_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/oauth-reference/provider/internal/oauth"
)

// TestVerificationQueryPrefill: verification_uri_complete's user_code
// (RFC 8628 Section 3.3.1) prefills the code entry form only when it came
// once, as text (RFC 6749 Section 3.1); a repeated one prefills nothing, and
// the trace says why.
func TestVerificationQueryPrefill(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, query, want string
		failed            bool
	}{
		{"one user_code prefills the form (RFC 8628 Section 3.3.1)", "user_code=WDJB-MJHT", "WDJB-MJHT", false},
		{"no user_code prefills nothing, and checks nothing", "", "", false},
		{"a repeated user_code prefills nothing (RFC 6749 Section 3.1)", "user_code=WDJB-MJHT&user_code=BCDF-GHJK", "", true},
		{"a repeated empty user_code prefills nothing (RFC 6749 Section 3.1)", "user_code=&user_code=", "", true},
		{"a user_code that is not text prefills nothing", "user_code=WDJB%00MJHT", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			tr := &oauth.Trace{}
			got := oauth.ParseVerificationQuery(oauth.WithTrace(context.Background(), tr), query)
			failed := len(tr.Checks) == 1 && !tr.Checks[0].Passed && tr.Checks[0].Ref == "RFC 6749 Section 3.1"
			if got != tc.want || failed != tc.failed || (!tc.failed && len(tr.Checks) != 0) {
				t.Errorf("got %q with checks %+v; want %q, a failed RFC 6749 Section 3.1 check %v", got, tr.Checks, tc.want, tc.failed)
			}
		})
	}
}

// TestDeviceVerificationFormOnce: a POST to the verification URI with its
// user code, decision, CSRF token or switch_account more than once is
// refused (RFC 6749 Section 3.1), before anything is read from it.
func TestDeviceVerificationFormOnce(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"user_code", "decision", "csrf_token", "switch_account"} {
		form := url.Values{"user_code": {"WDJB-MJHT"}, "csrf_token": {"t"}, "decision": {"allow"}}
		form[field] = []string{"1", "2"}
		if f, err := oauth.ParseDeviceVerificationForm(context.Background(), form); err == nil || err.Code != oauth.ErrInvalidRequest || f.UserCode != "" {
			t.Errorf("%s twice: got %+v, %v; want invalid_request and nothing read", field, f, err)
		}
	}
}

// TestDeviceVerificationFormStep: what a POST to the verification URI asks
// for, once its user code names a request (RFC 8628 Section 3.3): the
// consent page, a decision, "Use another account" (which wins over a
// decision), or the page again for a decision it does not offer.
func TestDeviceVerificationFormStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		form     url.Values
		step     oauth.DeviceStep
		decision oauth.Decision
	}{
		{"the user code alone asks for the consent page", url.Values{}, oauth.DeviceStepConsent, oauth.DecisionNone},
		{"allow is a decision", url.Values{"decision": {"allow"}}, oauth.DeviceStepDecide, oauth.DecisionAllow},
		{"deny is a decision", url.Values{"decision": {"deny"}}, oauth.DeviceStepDecide, oauth.DecisionDeny},
		{"a decision the page does not offer shows it again", url.Values{"decision": {"maybe"}}, oauth.DeviceStepDecisionNotOffered, oauth.DecisionNone},
		{"switch_account asks for another account", url.Values{"switch_account": {"1"}}, oauth.DeviceStepSwitchAccount, oauth.DecisionNone},
		{"switch_account wins over a decision", url.Values{"switch_account": {"1"}, "decision": {"allow"}}, oauth.DeviceStepSwitchAccount, oauth.DecisionNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("user_code", "WDJB-MJHT")
			tc.form.Set("csrf_token", "t")
			f, err := oauth.ParseDeviceVerificationForm(context.Background(), tc.form)
			if err != nil {
				t.Fatal(err)
			}
			if f.UserCode != "WDJB-MJHT" || f.CSRFToken != "t" {
				t.Errorf("got user code %q, CSRF token %q; want the form's", f.UserCode, f.CSRFToken)
			}
			if step, decision := f.Step(context.Background()); step != tc.step || decision != tc.decision {
				t.Errorf("got step %v, decision %q; want %v, %q", step, decision, tc.step, tc.decision)
			}
		})
	}
}
