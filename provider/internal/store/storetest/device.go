package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// newDeviceCode returns a pending device authorization request made at t0
// with the RFC 8628 Section 3.2 defaults: 15 minutes, 5 second interval.
func newDeviceCode(hash, userCodeHash string) store.DeviceCode {
	return store.DeviceCode{
		Hash:         hash,
		UserCodeHash: userCodeHash,
		ClientID:     demoClient.ID,
		Scope:        "openid read",
		Status:       store.DevicePending,
		Interval:     5 * time.Second,
		CreatedAt:    t0,
		ExpiresAt:    at(15 * time.Minute),
	}
}

// pollGrace is the latency RecordOnTimePoll is told to forgive in these
// tests: the provider's for newDeviceCode's 5 s interval.
const pollGrace = 500 * time.Millisecond

// createDeviceCode stores newDeviceCode(hash, userCodeHash) and returns it.
func createDeviceCode(t *testing.T, s store.Store, hash, userCodeHash string) store.DeviceCode {
	t.Helper()
	d := newDeviceCode(hash, userCodeHash)
	must(t, "CreateDeviceCode", s.CreateDeviceCode(t.Context(), d))
	return d
}

// onTimePolls polls the code hash with RecordOnTimePoll at
// at(time.Second+offset(i)) for i = 0..49 and returns how many polls were
// recorded before the first ErrConflict.
func onTimePolls(t *testing.T, s store.Store, hash string, offset func(i int) time.Duration) int {
	t.Helper()
	for i := range 50 {
		err := s.RecordOnTimePoll(t.Context(), hash, demoClient.ID, at(time.Second+offset(i)), pollGrace)
		if errors.Is(err, store.ErrConflict) {
			return i
		}
		must(t, "RecordOnTimePoll", err)
	}
	return 50
}

// approve approves d with a new grant gID and returns d as it then is.
func approve(t *testing.T, s store.Store, d store.DeviceCode, gID string) store.DeviceCode {
	t.Helper()
	g := newGrant(gID)
	must(t, "ApproveDeviceCode", s.ApproveDeviceCode(t.Context(), d.UserCodeHash, g))
	d.Status, d.UserID, d.AuthTime, d.GrantID = store.DeviceApproved, g.UserID, g.AuthTime, g.ID
	return d
}

// deviceCodeTests hold the store to the device authorization grant's states,
// RFC 8628: pending → approved | denied; approved → used, each step once.
var deviceCodeTests = []test{
	{"a device code is found by its hash and by its user code's (RFC 8628 Section 3.3)", func(t *testing.T, s store.Store) {
		want := createDeviceCode(t, s, "dc1", "uc1")
		got, err := s.GetDeviceCode(t.Context(), "dc1")
		must(t, "GetDeviceCode", err)
		checkEqual(t, "GetDeviceCode", got, want)
		got, err = s.GetDeviceCodeByUserCodeHash(t.Context(), "uc1")
		must(t, "GetDeviceCodeByUserCodeHash", err)
		checkEqual(t, "GetDeviceCodeByUserCodeHash", got, want)
	}},
	{"unknown device and user codes are ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetDeviceCode(t.Context(), "no-such-code")
		checkErr(t, "GetDeviceCode(unknown)", err, store.ErrNotFound)
		_, err = s.GetDeviceCodeByUserCodeHash(t.Context(), "uc2")
		checkErr(t, "GetDeviceCodeByUserCodeHash(unknown)", err, store.ErrNotFound)
		err = s.RecordDevicePoll(t.Context(), "no-such-code", time.Time{}, t0, 5*time.Second)
		checkErr(t, "RecordDevicePoll(unknown)", err, store.ErrConflict)
		err = s.ApproveDeviceCode(t.Context(), "uc2", newGrant("g1"))
		checkErr(t, "ApproveDeviceCode(unknown)", err, store.ErrNotFound)
		err = s.DenyDeviceCode(t.Context(), "uc2")
		checkErr(t, "DenyDeviceCode(unknown)", err, store.ErrNotFound)
		err = s.RedeemDeviceCode(t.Context(), "no-such-code", store.Issued{})
		checkErr(t, "RedeemDeviceCode(unknown)", err, store.ErrNotFound)
	}},
	{"a user code in use is ErrDuplicate (RFC 8628 Section 6.1)", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1")
		err := s.CreateDeviceCode(t.Context(), newDeviceCode("dc2", "uc1"))
		checkErr(t, "CreateDeviceCode(user code in use)", err, store.ErrDuplicate)
		_, err = s.GetDeviceCode(t.Context(), "dc2")
		checkErr(t, "GetDeviceCode(the refused code)", err, store.ErrNotFound)
	}},
	{"RecordDevicePoll stores the poll time and the grown interval (RFC 8628 Section 3.5)", func(t *testing.T, s store.Store) {
		want := createDeviceCode(t, s, "dc1", "uc1")
		must(t, "RecordDevicePoll", s.RecordDevicePoll(t.Context(), "dc1", time.Time{}, at(3*time.Second), 10*time.Second))
		got, err := s.GetDeviceCode(t.Context(), "dc1")
		must(t, "GetDeviceCode", err)
		want.LastPolledAt, want.Interval = at(3*time.Second), 10*time.Second
		checkEqual(t, "GetDeviceCode after a poll", got, want)
		must(t, "RecordDevicePoll(second)", s.RecordDevicePoll(t.Context(), "dc1", at(3*time.Second), at(9*time.Second), 10*time.Second))
	}},
	{"RecordDevicePoll is a compare-and-set: a stale last poll time is ErrConflict", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1")
		must(t, "RecordDevicePoll", s.RecordDevicePoll(t.Context(), "dc1", time.Time{}, at(3*time.Second), 5*time.Second))
		err := s.RecordDevicePoll(t.Context(), "dc1", time.Time{}, at(4*time.Second), 5*time.Second)
		checkErr(t, "RecordDevicePoll(stale)", err, store.ErrConflict)
		checkLastPoll(t, s, "dc1", at(3*time.Second)) // the first poll's
	}},
	{"of concurrent polls with the same last poll time exactly one is recorded", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1")
		errs := concurrently(16, func(i int) error {
			return s.RecordDevicePoll(t.Context(), "dc1", time.Time{}, at(time.Duration(i+1)*time.Second), 5*time.Second)
		})
		checkOneWinner(t, "RecordDevicePoll", errs, store.ErrConflict)
	}},
	{"RecordOnTimePoll records a poll of a pending code once its interval less the grace has passed (RFC 8628 Section 3.5)", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1") // a 5 s interval
		must(t, "RecordOnTimePoll(first)", s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(time.Second), pollGrace))
		checkLastPoll(t, s, "dc1", at(time.Second))
		for _, early := range []time.Duration{2500 * time.Millisecond, 4500*time.Millisecond - time.Microsecond} {
			err := s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(time.Second+early), pollGrace)
			checkErr(t, fmt.Sprintf("RecordOnTimePoll(%v after the last poll)", early), err, store.ErrConflict)
			checkLastPoll(t, s, "dc1", at(time.Second))
		}
		// A poll a few milliseconds short of the interval is one sent on
		// time and stamped after the server's own delays.
		// It is recorded at the instant it was due, not at its arrival.
		must(t, "RecordOnTimePoll(10ms short of the interval)", s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(6*time.Second-10*time.Millisecond), pollGrace))
		checkLastPoll(t, s, "dc1", at(6*time.Second))
		must(t, "RecordOnTimePoll(the interval less the grace later)", s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(10*time.Second+500*time.Millisecond), pollGrace))
		checkLastPoll(t, s, "dc1", at(11*time.Second))
		must(t, "RecordOnTimePoll(late)", s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(17*time.Second), pollGrace))
		checkLastPoll(t, s, "dc1", at(17*time.Second))
		err := s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(22*time.Second-10*time.Millisecond), 0)
		checkErr(t, "RecordOnTimePoll(10ms short of the interval, no grace)", err, store.ErrConflict)
	}},
	{"RecordOnTimePoll's grace does not accumulate: polls at 0.95 of the interval are refused within a few, polls on the interval never (RFC 8628 Section 3.5)", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "fast", "uc1")   // a 5 s interval
		createDeviceCode(t, s, "ticker", "uc2") // polled on the interval, with up to 40 ms of server latency either way
		if n := onTimePolls(t, s, "fast", func(i int) time.Duration { return time.Duration(i) * 4750 * time.Millisecond }); n > 3 {
			t.Errorf("polls every 4.75 s: %d recorded before the first ErrConflict, want at most 3", n)
		}
		jitter := []time.Duration{0, -40 * time.Millisecond, 40 * time.Millisecond, -10 * time.Millisecond, 30 * time.Millisecond}
		if n := onTimePolls(t, s, "ticker", func(i int) time.Duration { return time.Duration(i)*5*time.Second + jitter[i%len(jitter)] }); n != 50 {
			t.Errorf("polls every 5 s: %d recorded before the first ErrConflict, want all 50", n)
		}
	}},
	{"RecordOnTimePoll is ErrConflict, and records nothing, for a code unknown, of another client, decided or expired", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "pending", "uc1")
		approve(t, s, createDeviceCode(t, s, "approved", "uc2"), "g1")
		createDeviceCode(t, s, "denied", "uc3")
		must(t, "DenyDeviceCode", s.DenyDeviceCode(t.Context(), "uc3"))
		refused := []struct {
			name, hash, clientID string
			polledAt             time.Time
		}{
			{"an unknown code", "no-such-code", demoClient.ID, at(time.Second)},
			{"another client's code", "pending", "other-client", at(time.Second)},
			{"an approved code", "approved", demoClient.ID, at(time.Second)},
			{"a denied code", "denied", demoClient.ID, at(time.Second)},
			{"a code polled at its expiry", "pending", demoClient.ID, at(15 * time.Minute)},
		}
		for _, r := range refused {
			err := s.RecordOnTimePoll(t.Context(), r.hash, r.clientID, r.polledAt, pollGrace)
			checkErr(t, "RecordOnTimePoll("+r.name+")", err, store.ErrConflict)
		}
		for _, hash := range []string{"pending", "approved", "denied"} {
			checkLastPoll(t, s, hash, time.Time{})
		}
	}},
	{"of concurrent on-time polls of one device code exactly one is recorded", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1")
		errs := concurrently(contention, func(i int) error { // all within one 5 s interval, less the grace
			return s.RecordOnTimePoll(t.Context(), "dc1", demoClient.ID, at(time.Second+time.Duration(i)*100*time.Millisecond), pollGrace)
		})
		checkOneWinner(t, "RecordOnTimePoll", errs, store.ErrConflict)
	}},
	{"ApproveDeviceCode moves a pending code to approved and creates its grant", func(t *testing.T, s store.Store) {
		d := createDeviceCode(t, s, "dc1", "uc1")
		want := approve(t, s, d, "g1")
		got, err := s.GetDeviceCode(t.Context(), "dc1")
		must(t, "GetDeviceCode", err)
		checkEqual(t, "GetDeviceCode after approval", got, want)
		gotGrant, err := s.GetGrant(t.Context(), "g1")
		must(t, "GetGrant", err)
		checkEqual(t, "GetGrant", gotGrant, newGrant("g1"))
	}},
	{"DenyDeviceCode moves a pending code to denied", func(t *testing.T, s store.Store) {
		want := createDeviceCode(t, s, "dc1", "uc1")
		must(t, "DenyDeviceCode", s.DenyDeviceCode(t.Context(), "uc1"))
		got, err := s.GetDeviceCode(t.Context(), "dc1")
		must(t, "GetDeviceCode", err)
		want.Status = store.DeviceDenied
		checkEqual(t, "GetDeviceCode after denial", got, want)
	}},
	{"a decided device code is ErrNotPending and creates no grant", func(t *testing.T, s store.Store) {
		approve(t, s, createDeviceCode(t, s, "dc1", "uc1"), "g1")
		must(t, "CreateDeviceCode", s.CreateDeviceCode(t.Context(), newDeviceCode("dc2", "uc2")))
		must(t, "DenyDeviceCode", s.DenyDeviceCode(t.Context(), "uc2"))
		for _, userCodeHash := range []string{"uc1", "uc2"} {
			err := s.ApproveDeviceCode(t.Context(), userCodeHash, newGrant("g2"))
			checkErr(t, "ApproveDeviceCode(decided)", err, store.ErrNotPending)
			err = s.DenyDeviceCode(t.Context(), userCodeHash)
			checkErr(t, "DenyDeviceCode(decided)", err, store.ErrNotPending)
		}
		_, err := s.GetGrant(t.Context(), "g2")
		checkErr(t, "GetGrant of a refused approval", err, store.ErrNotFound)
	}},
	{"concurrent decisions on one device code: exactly one wins, the rest get ErrNotPending", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1")
		errs := concurrently(contention, func(i int) error {
			if i%2 == 0 {
				return s.DenyDeviceCode(t.Context(), "uc1")
			}
			return s.ApproveDeviceCode(t.Context(), "uc1", newGrant(fmt.Sprintf("g%02d", i)))
		})
		winner := checkOneWinner(t, "ApproveDeviceCode or DenyDeviceCode", errs, store.ErrNotPending)
		for i := 1; i < contention; i += 2 {
			_, err := s.GetGrant(t.Context(), fmt.Sprintf("g%02d", i))
			if i != winner {
				checkErr(t, "GetGrant of a losing approval", err, store.ErrNotFound)
			}
		}
	}},
	{"RedeemDeviceCode redeems an approved code once, with its refresh token; again it is ErrAlreadyUsed and stores nothing", func(t *testing.T, s store.Store) {
		want := approve(t, s, createDeviceCode(t, s, "dc1", "uc1"), "g1")
		rt := newRefreshToken("rt1", newGrant("g1"))
		must(t, "first RedeemDeviceCode", s.RedeemDeviceCode(t.Context(), "dc1", issuedWith(rt)))
		want.Status = store.DeviceUsed
		checkDeviceCode(t, s, want)
		got, err := s.GetRefreshToken(t.Context(), "rt1")
		must(t, "GetRefreshToken", err)
		checkEqual(t, "GetRefreshToken", got, rt)
		again := next(rt, "rt2")
		checkErr(t, "second RedeemDeviceCode", s.RedeemDeviceCode(t.Context(), "dc1", issuedWith(again)), store.ErrAlreadyUsed)
		_, err = s.GetRefreshToken(t.Context(), "rt2")
		checkErr(t, "GetRefreshToken of the second redemption", err, store.ErrNotFound)
	}},
	{"RedeemDeviceCode without a refresh token for a grant that is gone (its client deleted) is ErrNotFound", func(t *testing.T, s store.Store) {
		g := goneGrant(t, s, func(g store.Grant) {
			d := newDeviceCode("dc1", "uc1")
			d.ClientID = g.ClientID
			must(t, "CreateDeviceCode", s.CreateDeviceCode(t.Context(), d))
			must(t, "ApproveDeviceCode", s.ApproveDeviceCode(t.Context(), d.UserCodeHash, g))
		})
		err := s.RedeemDeviceCode(t.Context(), "dc1", store.Issued{GrantExpiresAt: at(time.Hour)})
		checkErr(t, "RedeemDeviceCode(grant gone, no refresh token)", err, store.ErrNotFound)
		_, err = s.GetGrant(t.Context(), g.ID)
		checkErr(t, "GetGrant after the redemption", err, store.ErrNotFound)
	}},
	{"RedeemDeviceCode refuses a pending or denied code and leaves it as it was", func(t *testing.T, s store.Store) {
		createDeviceCode(t, s, "dc1", "uc1")
		createDeviceCode(t, s, "dc2", "uc2")
		must(t, "DenyDeviceCode", s.DenyDeviceCode(t.Context(), "uc2"))
		for hash, status := range map[string]store.DeviceStatus{"dc1": store.DevicePending, "dc2": store.DeviceDenied} {
			err := s.RedeemDeviceCode(t.Context(), hash, store.Issued{})
			checkRefusal(t, fmt.Sprintf("RedeemDeviceCode(%s code)", status), err)
			got, err := s.GetDeviceCode(t.Context(), hash)
			must(t, "GetDeviceCode", err)
			if got.Status != status {
				t.Errorf("status after a refused RedeemDeviceCode: got %q, want %q", got.Status, status)
			}
		}
	}},
	{"concurrent redemptions of one device code: exactly one wins and stores its refresh token, the rest get ErrAlreadyUsed", func(t *testing.T, s store.Store) {
		approve(t, s, createDeviceCode(t, s, "dc1", "uc1"), "g1")
		errs := concurrently(contention, func(i int) error {
			rt := newRefreshToken(fmt.Sprintf("rt%02d", i), newGrant("g1"))
			return s.RedeemDeviceCode(t.Context(), "dc1", issuedWith(rt))
		})
		checkOnlyWinnerStored(t, s, "RedeemDeviceCode", errs)
	}},
	{"a device redemption whose refresh token cannot be stored leaves the code approved, and a retry redeems it", func(t *testing.T, s store.Store) {
		want := approve(t, s, createDeviceCode(t, s, "dc1", "uc1"), "g1")
		taken := createRefreshToken(t, s, "g2", "taken")
		rt := newRefreshToken(taken.Hash, newGrant("g1"))
		checkErr(t, "RedeemDeviceCode(hash in use)", s.RedeemDeviceCode(t.Context(), "dc1", issuedWith(rt)), store.ErrDuplicate)
		rt = newRefreshToken("rt1", createGrant(t, s, "g3"))
		checkRefusal(t, "RedeemDeviceCode(refresh token of another grant)", s.RedeemDeviceCode(t.Context(), "dc1", issuedWith(rt)))
		checkDeviceCode(t, s, want)
		rt = newRefreshToken("rt1", newGrant("g1"))
		must(t, "the retry's RedeemDeviceCode", s.RedeemDeviceCode(t.Context(), "dc1", issuedWith(rt)))
	}},
}

// checkDeviceCode checks the device code stored under want.Hash.
func checkDeviceCode(t *testing.T, s store.Store, want store.DeviceCode) {
	t.Helper()
	got, err := s.GetDeviceCode(t.Context(), want.Hash)
	must(t, "GetDeviceCode", err)
	checkEqual(t, "GetDeviceCode", got, want)
}

// checkLastPoll checks the last poll time stored for the device code hash
// (zero: never polled).
func checkLastPoll(t *testing.T, s store.Store, hash string, want time.Time) {
	t.Helper()
	got, err := s.GetDeviceCode(t.Context(), hash)
	must(t, "GetDeviceCode", err)
	if !got.LastPolledAt.Equal(want) {
		t.Errorf("LastPolledAt of %s: got %v, want %v", hash, got.LastPolledAt, want)
	}
}
