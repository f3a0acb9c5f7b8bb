package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// grace is the reuse grace of these tests (REFRESH_REUSE_GRACE).
const grace = 10 * time.Second

// graceRotate rotates oldHash at now with the reuse grace, as the provider
// does when REFRESH_REUSE_GRACE is set.
func graceRotate(t *testing.T, s store.Store, oldHash string, n store.RefreshToken, now time.Time) (bool, error) {
	return s.RotateRefreshToken(t.Context(), oldHash, issuedWith(n), now, now.Add(-grace))
}

// rotatedAtT0 stores grant g1 with refresh token rt1 and rotates it to rt2
// at t0, strictly; it returns rt1 as stored before the rotation.
func rotatedAtT0(t *testing.T, s store.Store) store.RefreshToken {
	t.Helper()
	old := createRefreshToken(t, s, "g1", "rt1")
	must(t, "RotateRefreshToken(rt1 → rt2)", rotate(t, s, "rt1", next(old, "rt2"), t0))
	return old
}

// checkUsedAt checks a refresh token's UsedAt (zero: unused).
func checkUsedAt(t *testing.T, s store.Store, hash string, want time.Time) {
	t.Helper()
	got, err := s.GetRefreshToken(t.Context(), hash)
	must(t, "GetRefreshToken("+hash+")", err)
	if !got.UsedAt.Equal(want) {
		t.Errorf("%s UsedAt: got %v, want %v", hash, got.UsedAt, want)
	}
}

// checkGraced checks what a rotation under the grace answered.
func checkGraced(t *testing.T, what string, graced bool, err error, wantGraced bool, wantErr error) {
	t.Helper()
	checkErr(t, what, err, wantErr)
	if graced != wantGraced {
		t.Errorf("%s: got graced %t, want %t", what, graced, wantGraced)
	}
}

// refreshGraceTests hold the store to the reuse grace: the refresh token a
// grant rotated out most recently, presented again less than the grace
// after its rotation, gets a sibling instead of being a replay; anything
// else stays reuse (RFC 9700 Section 4.14.2). The store decides under the
// grant's lock, so concurrent callers in any process see one history.
var refreshGraceTests = []test{
	{"within the grace the most recently rotated-out token gets a sibling; the tokens before stay as they were", func(t *testing.T, s store.Store) {
		old := rotatedAtT0(t, s)
		sibling := next(old, "rt3")
		graced, err := graceRotate(t, s, "rt1", sibling, at(grace-time.Millisecond))
		checkGraced(t, "RotateRefreshToken(rt1) inside the grace", graced, err, true, nil)
		got, err := s.GetRefreshToken(t.Context(), "rt3")
		must(t, "GetRefreshToken(sibling)", err)
		checkEqual(t, "GetRefreshToken(sibling)", got, sibling)
		checkUsedAt(t, s, "rt1", t0)
		checkUsedAt(t, s, "rt2", time.Time{})
	}},
	{"a rotated-out token presented the whole grace after its rotation is ErrAlreadyUsed and stores nothing", func(t *testing.T, s store.Store) {
		old := rotatedAtT0(t, s)
		graced, err := graceRotate(t, s, "rt1", next(old, "rt3"), at(grace))
		checkGraced(t, "RotateRefreshToken(rt1) at the end of the grace", graced, err, false, store.ErrAlreadyUsed)
		_, err = s.GetRefreshToken(t.Context(), "rt3")
		checkErr(t, "GetRefreshToken(the replay's token)", err, store.ErrNotFound)
	}},
	{"only the most recently rotated-out token earns the grace", func(t *testing.T, s store.Store) {
		old := rotatedAtT0(t, s)
		must(t, "RotateRefreshToken(rt2 → rt3)", rotate(t, s, "rt2", next(old, "rt3"), at(time.Second)))
		graced, err := graceRotate(t, s, "rt1", next(old, "rt4"), at(2*time.Second))
		checkGraced(t, "RotateRefreshToken(rt1) after rt2 was rotated", graced, err, false, store.ErrAlreadyUsed)
	}},
	{"the next rotation retires every sibling, so the grant has one live refresh token again", func(t *testing.T, s store.Store) {
		old := rotatedAtT0(t, s)
		graced, err := graceRotate(t, s, "rt1", next(old, "rt3"), at(time.Second))
		checkGraced(t, "RotateRefreshToken(rt1) inside the grace", graced, err, true, nil)
		must(t, "RotateRefreshToken(rt3 → rt4)", rotate(t, s, "rt3", next(old, "rt4"), at(2*time.Second)))
		checkUsedAt(t, s, "rt2", at(2*time.Second))
		checkUsedAt(t, s, "rt3", at(2*time.Second))
		checkUsedAt(t, s, "rt4", time.Time{})
		graced, err = graceRotate(t, s, "rt2", next(old, "rt5"), at(3*time.Second))
		checkGraced(t, "RotateRefreshToken(retired sibling rt2)", graced, err, false, store.ErrAlreadyUsed)
	}},
	{"a token of a revoked grant gets no grace", func(t *testing.T, s store.Store) {
		old := rotatedAtT0(t, s)
		must(t, "RevokeGrant", s.RevokeGrant(t.Context(), "g1", at(time.Second)))
		graced, err := graceRotate(t, s, "rt1", next(old, "rt3"), at(time.Second))
		checkGraced(t, "RotateRefreshToken(rt1) of a revoked grant", graced, err, false, store.ErrAlreadyUsed)
	}},
	{"concurrent presentations of one token inside the grace: one rotates, every other gets a sibling", func(t *testing.T, s store.Store) {
		old := createRefreshToken(t, s, "g1", "rt1")
		hash := func(i int) string { return fmt.Sprintf("next-%02d", i) }
		gracedBy := make([]bool, contention)
		errs := concurrently(contention, func(i int) error {
			var err error
			gracedBy[i], err = graceRotate(t, s, "rt1", next(old, hash(i)), t0)
			return err
		})
		rotations := 0
		for i, err := range errs {
			checkErr(t, fmt.Sprintf("RotateRefreshToken #%d", i), err, nil)
			if !gracedBy[i] {
				rotations++
			}
			checkUsedAt(t, s, hash(i), time.Time{})
		}
		if rotations != 1 {
			t.Errorf("rotations among %d concurrent presentations: got %d, want exactly 1 (the others graced)", contention, rotations)
		}
	}},
	{"concurrent presentations of a token rotated out the whole grace ago: every one is ErrAlreadyUsed", func(t *testing.T, s store.Store) {
		old := rotatedAtT0(t, s)
		errs := concurrently(contention, func(i int) error {
			_, err := graceRotate(t, s, "rt1", next(old, fmt.Sprintf("next-%02d", i)), at(grace))
			return err
		})
		for i, err := range errs {
			checkErr(t, fmt.Sprintf("RotateRefreshToken #%d", i), err, store.ErrAlreadyUsed)
		}
	}},
}
