package storetest

import (
	"fmt"
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
	{"OpenPushedRequest opens it once, within its expiry: the first opening sets the window", func(t *testing.T, s store.Store) {
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), newPushedRequest("par1")))
		want := newPushedRequest("par1")
		want.OpenedAt, want.ExpiresAt = at(59*time.Second), at(time.Hour)
		got, err := s.OpenPushedRequest(t.Context(), "par1", at(59*time.Second), at(time.Hour))
		must(t, "OpenPushedRequest", err)
		checkEqual(t, "OpenPushedRequest", got, want)
		got, err = s.OpenPushedRequest(t.Context(), "par1", at(2*time.Minute), at(3*time.Hour))
		must(t, "OpenPushedRequest(again)", err)
		checkEqual(t, "OpenPushedRequest(again): the first window, not a fresh one", got, want)
		got, err = s.GetPushedRequest(t.Context(), "par1")
		must(t, "GetPushedRequest", err)
		checkEqual(t, "GetPushedRequest(opened)", got, want)
		_, err = s.OpenPushedRequest(t.Context(), "nope", t0, at(time.Hour))
		checkErr(t, "OpenPushedRequest(unknown)", err, store.ErrNotFound)
	}},
	{"OpenPushedRequest of an expired request leaves it unopened and expired", func(t *testing.T, s store.Store) {
		want := newPushedRequest("par1")
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), want))
		got, err := s.OpenPushedRequest(t.Context(), "par1", at(time.Minute), at(time.Hour))
		must(t, "OpenPushedRequest", err)
		checkEqual(t, "OpenPushedRequest(at its expiry)", got, want)
	}},
	{"concurrent OpenPushedRequest of one request: one window, read by all", func(t *testing.T, s store.Store) {
		must(t, "CreatePushedRequest", s.CreatePushedRequest(t.Context(), newPushedRequest("par1")))
		opened := make([]store.PushedRequest, contention)
		errs := concurrently(contention, func(i int) error {
			var err error
			opened[i], err = s.OpenPushedRequest(t.Context(), "par1", at(time.Duration(i+1)*time.Second), at(time.Duration(i+1)*time.Hour))
			return err
		})
		for i, err := range errs {
			must(t, "OpenPushedRequest", err)
			checkEqual(t, fmt.Sprintf("OpenPushedRequest %d against 0", i), opened[i], opened[0])
		}
		// Racer i opened at i+1 seconds after t0, until i+1 hours after t0.
		racer := opened[0].OpenedAt.Sub(t0) / time.Second
		if racer < 1 || racer > contention || !opened[0].ExpiresAt.Equal(at(racer*time.Hour)) {
			t.Errorf("window: got opened %v, expires %v; want one racer's opening and its expiry", opened[0].OpenedAt, opened[0].ExpiresAt)
		}
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
