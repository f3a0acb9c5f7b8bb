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

// TestUnparsableDotEnvLine: the line named is the one after the longest
// run of first lines that parses, whichever way the quoted values of the
// lines before it close.
func TestUnparsableDotEnvLine(t *testing.T) {
	tests := []struct {
		name, dotEnv string
		want         int
	}{
		{"the first line", "oops\nA=1\n", 1},
		{"the last line, without a newline", "A=1\nB=2\nbad-name=3", 3},
		{"a value quoted over lines, then a bad line", "A='one\ntwo'\nB=\"x\"\noops\n", 4},
		{"an unclosed quote names its line, not the end", "A=1\nB=\"open\nC=2\nD=3\n", 2},
		{"an escaped quote does not close a value", "A=\"one\n\\\" two\"\noops\n", 3},
		{"a value closed then a bad statement on its line", "A=1\nB=\"one\ntwo\" C-D=3\nE=4\n", 2},
		{"a value closed then another statement on its line", "B=\"one\ntwo\" C=3\noops\n", 3},
		{"a value closed then another opened on its line", "B=\"one\ntwo\" C='three\nfour'\noops\n", 4},
		{"a comment line with a quote", "# it's\nA=it's\noops\n", 3},
		{"CRLF line ends", "A=\"one\r\ntwo\"\r\noops\r\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if dotEnvParses(tt.dotEnv) {
				t.Fatalf("%q parses", tt.dotEnv)
			}
			if got := unparsableDotEnvLine(tt.dotEnv, dotEnvParses); got.number != tt.want {
				t.Errorf("unparsableDotEnvLine(%q) = line %d, want %d", tt.dotEnv, got.number, tt.want)
			}
		})
	}
}

// TestUnparsableDotEnvLineIsLinear: finding the bad line of a .env twice
// as long has godotenv parse at most about twice as many bytes, wherever
// the bad line is (trying every run of first lines parses four times as
// many). It counts the bytes parsed, not the time taken.
func TestUnparsableDotEnvLineIsLinear(t *testing.T) {
	tests := []struct{ name, before, line, after string }{
		{"the bad line last", "", "NAME=value\n", "'unterminated\n"},
		{"an unclosed quote first", "SECRET=\"unterminated\n", "NAME=value\n", ""},
		{"values quoted over lines", "", "A=\"one\ntwo\" B='three\nfour'\n", "oops\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bytesParsed := func(n int) int {
				content := tt.before + strings.Repeat(tt.line, n) + tt.after
				parsed := 0
				unparsableDotEnvLine(content, func(text string) bool {
					parsed += len(text)
					return dotEnvParses(text)
				})
				return parsed
			}
			const n = 500
			if once, twice := bytesParsed(n), bytesParsed(2*n); twice > 2*once+100 {
				t.Errorf("%d lines: %d bytes parsed; %d lines: %d, more than twice as many", n, once, 2*n, twice)
			}
		})
	}
}
