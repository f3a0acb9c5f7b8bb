package service

import (
	"strings"
	"testing"
)

// TestCheckSessionSecret: SESSION_SECRET is empty (a random key) or holds
// 32 characters besides spaces around them; spaces alone are a key anyone
// can guess.
func TestCheckSessionSecret(t *testing.T) {
	tests := []struct {
		name, secret string
		refused      bool
	}{
		{"empty: a random key per start", "", false},
		{"32 characters", strings.Repeat("k", 32), false},
		{"31 characters", strings.Repeat("k", 31), true},
		{"40 spaces", strings.Repeat(" ", 40), true},
		{"31 characters padded with spaces", "  " + strings.Repeat("k", 31) + "\t", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSessionSecret(tt.secret)
			if refused := err != nil; refused != tt.refused {
				t.Errorf("CheckSessionSecret(%q) = %v, want refused %v", tt.secret, err, tt.refused)
			}
		})
	}
}
