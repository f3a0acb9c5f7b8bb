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
// the trace says why. The trace applies the rule to every query, passed
// when it holds, so a good query's trace lists the rule a bad one fails.
func TestVerificationQueryPrefill(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, query, want string
		failed            bool
	}{
		{"one user_code prefills the form (RFC 8628 Section 3.3.1)", "user_code=WDJB-MJHT", "WDJB-MJHT", false},
		{"no user_code prefills nothing", "", "", false},
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
			once := len(tr.Checks) == 1 && tr.Checks[0].Passed == !tc.failed && tr.Checks[0].Ref == "RFC 6749 Section 3.1"
			if got != tc.want || !once {
				t.Errorf("got %q with checks %+v; want %q, one RFC 6749 Section 3.1 check, passed %v", got, tr.Checks, tc.want, !tc.failed)
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
// decision), or the page again for a decision it does not offer. The
// trace applies the decision rule (RFC 8628 Section 3.3) to every decision
// sent, passed for allow and deny, so a decision's trace lists the rule a
// bad one fails.
func TestDeviceVerificationFormStep(t *testing.T) {
	t.Parallel()
	const none, passed, failed = "", "passed", "failed" // the decision rule in the trace
	for _, tc := range []struct {
		name     string
		form     url.Values
		step     oauth.DeviceStep
		decision oauth.Decision
		rule     string
	}{
		{"the user code alone asks for the consent page", url.Values{}, oauth.DeviceStepConsent, oauth.DecisionNone, none},
		{"allow is a decision", url.Values{"decision": {"allow"}}, oauth.DeviceStepDecide, oauth.DecisionAllow, passed},
		{"deny is a decision", url.Values{"decision": {"deny"}}, oauth.DeviceStepDecide, oauth.DecisionDeny, passed},
		{"a decision the page does not offer shows it again", url.Values{"decision": {"maybe"}}, oauth.DeviceStepDecisionNotOffered, oauth.DecisionNone, failed},
		{"switch_account asks for another account", url.Values{"switch_account": {"1"}}, oauth.DeviceStepSwitchAccount, oauth.DecisionNone, none},
		{"switch_account wins over a decision", url.Values{"switch_account": {"1"}, "decision": {"allow"}}, oauth.DeviceStepSwitchAccount, oauth.DecisionNone, none},
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
			tr := &oauth.Trace{}
			if step, decision := f.Step(oauth.WithTrace(context.Background(), tr)); step != tc.step || decision != tc.decision {
				t.Errorf("got step %v, decision %q; want %v, %q", step, decision, tc.step, tc.decision)
			}
			rule := none
			for _, c := range tr.Checks {
				if c.Ref == "RFC 8628 Section 3.3" {
					rule = map[bool]string{true: passed, false: failed}[c.Passed]
				}
			}
			if rule != tc.rule || len(tr.Checks) > 1 {
				t.Errorf("trace %+v: got the decision rule %q, want %q", tr.Checks, rule, tc.rule)
			}
		})
	}
}
