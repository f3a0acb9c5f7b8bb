package oauth

import (
	"context"
	"testing"
)

// TestLogoutDecide: what a valid logout request comes to, by whether it
// must be confirmed, the confirmation page's answer, its method and its
// CSRF token.
func TestLogoutDecide(t *testing.T) {
	tests := []struct {
		name      string
		confirm   bool
		decision  string
		post      bool
		csrfValid bool
		want      LogoutStep
		refused   bool
	}{
		{"a request to confirm, no answer yet: ask", true, "", false, false, LogoutAsk, false},
		{"a request that needs no confirmation: end", false, "", false, false, LogoutEnd, false},
		{"the user confirms: end", true, LogoutDecisionEnd, true, true, LogoutEnd, false},
		{"the user stays: nothing changes", true, LogoutDecisionStay, true, true, LogoutStay, false},
		{"any other answer changes nothing", true, "maybe", true, true, LogoutStay, false},
		{"a confirmation without the session's CSRF token: refused", true, LogoutDecisionEnd, true, false, LogoutAsk, true},
		{"a confirmation by GET, even with the session's CSRF token: refused", true, LogoutDecisionEnd, false, true, LogoutAsk, true},
		{"a forged answer to a request that needed none: refused", false, LogoutDecisionEnd, true, false, LogoutAsk, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &Trace{}
			l := &Logout{Confirm: tt.confirm}
			step, err := l.decide(WithTrace(context.Background(), tr), tt.decision, tt.post, tt.csrfValid)
			if step != tt.want || (err != nil) != tt.refused {
				t.Fatalf("got %v, %v; want %v, refused %v", step, err, tt.want, tt.refused)
			}
			if tt.refused && (err.Code != ErrAccessDenied || len(tr.Checks) == 0 || tr.Checks[len(tr.Checks)-1].Rule != ruleFormCSRF.Text) {
				t.Errorf("refusal: got %v, checks %+v; want access_denied under ruleFormCSRF", err, tr.Checks)
			}
		})
	}
}
