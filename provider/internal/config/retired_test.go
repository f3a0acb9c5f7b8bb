package config

import (
	"strings"
	"testing"
)

// TestRetiredSettings: a retired variable that is set, even empty, gets one
// warning naming it and what replaced it; variables this version reads, and
// retired ones not set, get none.
func TestRetiredSettings(t *testing.T) {
	if got := RetiredSettings(lookupIn(map[string]string{"PASSWORD_HASH_TIME": "2", "ISSUER": "https://as.example"})); got != nil {
		t.Errorf("no retired variable set: got %q, want no warning", got)
	}
	for _, value := range []string{"12", ""} {
		got := RetiredSettings(lookupIn(map[string]string{"PASSWORD_HASH_COST": value}))
		if len(got) != 1 || !strings.HasPrefix(got[0], "PASSWORD_HASH_COST is set") || !strings.Contains(got[0], "PASSWORD_HASH_MEMORY_KIB") {
			t.Errorf("PASSWORD_HASH_COST=%q: got %q, want one warning naming it and PASSWORD_HASH_MEMORY_KIB", value, got)
		}
	}
}
