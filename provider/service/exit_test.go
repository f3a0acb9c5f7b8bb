package service

import (
	"os"
	"strings"
	"testing"
)

// TestLoadDotEnvHidesItsText: a .env that cannot be parsed is refused with
// the number of the line at fault, and the variable it sets when that can
// be read, but none of the file's text: what follows a bad line, or an
// unclosed quote, holds the secrets.
func TestLoadDotEnvHidesItsText(t *testing.T) {
	const secrets = "SESSION_SECRET=TopSecretSessionKeyValue0123456789abcdef\n" +
		"DATABASE_URL=postgres://oauth:DbPassw0rd@db:5432/oauth\n"
	tests := []struct{ name, dotEnv, want string }{
		{"a line that is not NAME=value", "ISSUER=http://127.0.0.1:8080\nmy typo line\n" + secrets + "CLIENT_SECRET=ClientS3cret\n",
			"reading .env: cannot parse line 2; its text is not shown, as it may hold a secret"},
		{"an unclosed quote", "# settings\nISSUER=http://127.0.0.1:8080\n" + secrets + "CLIENT_SECRET=\"ClientS3cret\nLOG_LEVEL=debug\n",
			"reading .env: cannot parse line 5 (CLIENT_SECRET); its text is not shown, as it may hold a secret"},
		{"a bad line after a value on several lines", "A=\"one\ntwo\"\nexport B=b\nDbPassw0rd\r\n" + secrets,
			"reading .env: cannot parse line 4; its text is not shown, as it may hold a secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.WriteFile(".env", []byte(tt.dotEnv), 0o600); err != nil {
				t.Fatal(err)
			}
			err := LoadDotEnv()
			if err == nil || err.Error() != tt.want {
				t.Fatalf("LoadDotEnv() = %v, want %q", err, tt.want)
			}
			for _, secret := range []string{"TopSecret", "DbPassw0rd", "ClientS3cret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("LoadDotEnv() = %q, shows %s", err, secret)
				}
			}
		})
	}
}
