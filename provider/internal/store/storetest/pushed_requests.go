package storetest

import (
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// newPushedRequest returns a request pushed by demoClient at t0, for 60 s.
func newPushedRequest(hash string) store.PushedRequest {
	return store.PushedRequest{
		Hash: hash, ClientID: demoClient.ID,
		Params:    "client_id=testclient&response_type=code&scope=read",
		CreatedAt: t0, ExpiresAt: at(time.Minute),
	}
}

// pushedRequestTests hold the store to RFC 9126: a pushed request is kept
// for its client and is "a single-use reference to the respective request
// data" (RFC 9126 Section 2.2), however many authorizations race to use it.
var pushedRequestTests = []test{
	{"GetPushedRequest returns the created request, unused", func(t *testing.T, s store.Store) {
		want := newPushedRequest("par1")
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), want))
		got, err := s.GetPushedRequest(t.Context(), "par1")
		must(t, "GetPushedRequest", err)
		checkEqual(t, "GetPushedRequest", got, want)
		checkErr(t, "CreatePushedRequest(same hash)", s.CreatePushedRequest(t.Context(), want), store.ErrDuplicate)
	}},
	{"ConsumePushedRequest marks it used once; again is ErrAlreadyUsed; unknown is ErrNotFound", func(t *testing.T, s store.Store) {
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), newPushedRequest("par1")))
		checkErr(t, "ConsumePushedRequest", s.ConsumePushedRequest(t.Context(), "par1", at(time.Second)), nil)
		got, err := s.GetPushedRequest(t.Context(), "par1")
		must(t, "GetPushedRequest", err)
		if !got.UsedAt.Equal(at(time.Second)) {
			t.Errorf("UsedAt: got %v, want %v", got.UsedAt, at(time.Second))
		}
		checkErr(t, "ConsumePushedRequest(again)", s.ConsumePushedRequest(t.Context(), "par1", at(2*time.Second)), store.ErrAlreadyUsed)
		checkErr(t, "ConsumePushedRequest(unknown)", s.ConsumePushedRequest(t.Context(), "nope", t0), store.ErrNotFound)
	}},
	{"concurrent ConsumePushedRequest of one request: exactly one wins", func(t *testing.T, s store.Store) {
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), newPushedRequest("par1")))
		errs := concurrently(contention, func(int) error {
			return s.ConsumePushedRequest(t.Context(), "par1", at(time.Second))
		})
		checkOneWinner(t, "ConsumePushedRequest", errs, store.ErrAlreadyUsed)
	}},
	{"PurgeExpired forgets expired pushed requests and keeps live ones", func(t *testing.T, s store.Store) {
		old := newPushedRequest("old")
		old.ExpiresAt = at(-time.Second)
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), old))
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), newPushedRequest("live")))
		n, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		if n != 1 {
			t.Errorf("PurgeExpired: got %d rows deleted, want 1 (the expired request)", n)
		}
		_, err = s.GetPushedRequest(t.Context(), "old")
		checkErr(t, "GetPushedRequest(expired)", err, store.ErrNotFound)
		_, err = s.GetPushedRequest(t.Context(), "live")
		checkErr(t, "GetPushedRequest(live)", err, nil)
	}},
}
