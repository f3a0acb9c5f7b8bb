package store

import (
	"strconv"
	"testing"
)

// tok is the token the tests remember.
var tok = AccessTokenRef{JTI: "jti-1", GrantID: "g1", ClientID: "testclient"}

// TestLiveTokensRefusesAnAnswerFromBeforeARevocation: a lookup that began
// before a revocation committed (its generation) may have found the token
// live; that answer must not be remembered.
func TestLiveTokensRefusesAnAnswerFromBeforeARevocation(t *testing.T) {
	var m LiveTokens
	_, before := m.knows(tok)
	m.Forget() // a revocation commits while the lookup runs
	m.remember(tok, before)
	if known, _ := m.knows(tok); known {
		t.Fatal("Knows after Remember with a generation older than Forget: got true, want false")
	}
	_, now := m.knows(tok)
	m.remember(tok, now)
	if known, _ := m.knows(tok); !known {
		t.Fatal("Knows after Remember in the current generation: got false, want true")
	}
}

// TestLiveTokensPaused: while paused, nothing is remembered; after Resume,
// tokens are again.
func TestLiveTokensPaused(t *testing.T) {
	var m LiveTokens
	m.Pause()
	_, generation := m.knows(tok)
	m.remember(tok, generation)
	if known, _ := m.knows(tok); known {
		t.Fatal("Knows while paused: got true, want false")
	}
	m.Resume()
	_, generation = m.knows(tok)
	m.remember(tok, generation)
	if known, _ := m.knows(tok); !known {
		t.Fatal("Knows after Resume and Remember: got false, want true")
	}
}

// TestLiveTokensPausedThroughARevocation: a revocation of the process's own
// (Forget) while the memory is paused empties it but leaves it paused: the
// backend still cannot learn of the others' revocations, so nothing may be
// remembered until Resume.
func TestLiveTokensPausedThroughARevocation(t *testing.T) {
	var m LiveTokens
	m.Pause()
	m.Forget()
	_, generation := m.knows(tok)
	m.remember(tok, generation)
	if known, _ := m.knows(tok); known {
		t.Fatal("Knows after Pause, Forget and Remember: got true, want false (still paused)")
	}
}

// TestLiveTokensIsBounded: the memory never holds more than maxLiveTokens
// tokens.
func TestLiveTokensIsBounded(t *testing.T) {
	var m LiveTokens
	for i := range 3 * maxLiveTokens {
		jti := strconv.Itoa(i)
		_, generation := m.knows(AccessTokenRef{JTI: jti})
		m.remember(AccessTokenRef{JTI: jti}, generation)
		if len(m.live) > maxLiveTokens {
			t.Fatalf("after %d tokens: %d remembered, want at most %d", i+1, len(m.live), maxLiveTokens)
		}
	}
}
