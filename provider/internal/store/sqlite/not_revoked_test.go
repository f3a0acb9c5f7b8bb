package sqlite

import "testing"

// TestNotRevokedRefusesAnAnswerFromBeforeARevocation: a lookup that began
// before a revocation committed (its generation) may have found the token
// live; that answer must not be remembered.
func TestNotRevokedRefusesAnAnswerFromBeforeARevocation(t *testing.T) {
	var m notRevoked
	id := tokenID{"g1", "jti-1"}
	_, before := m.knows(id)
	m.forget() // a revocation commits while the lookup runs
	m.remember(id, before)
	if known, _ := m.knows(id); known {
		t.Fatal("knows after remember with a generation older than forget: got true, want false")
	}
	_, now := m.knows(id)
	m.remember(id, now)
	if known, _ := m.knows(id); !known {
		t.Fatal("knows after remember in the current generation: got false, want true")
	}
}

// TestNotRevokedIsBounded: the memory never holds more than maxNotRevoked
// tokens.
func TestNotRevokedIsBounded(t *testing.T) {
	var m notRevoked
	for i := range 3 * maxNotRevoked {
		_, generation := m.knows(tokenID{jti: string(rune(i))})
		m.remember(tokenID{jti: string(rune(i))}, generation)
		if len(m.live) > maxNotRevoked {
			t.Fatalf("after %d tokens: %d remembered, want at most %d", i+1, len(m.live), maxNotRevoked)
		}
	}
}
