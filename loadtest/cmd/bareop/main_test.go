package main

import (
	"strconv"
	"strings"
	"testing"
)

// cheapHash are Argon2id parameters that make the test quick.
func cheapHash(name string) string {
	return map[string]string{"PASSWORD_HASH_MEMORY_KIB": "64", "PASSWORD_HASH_TIME": "1"}[name]
}

func TestRunAnswersEachRequestWithACount(t *testing.T) {
	var out strings.Builder
	in := strings.NewReader("RS256 0s\nEdDSA 20ms\nArgon2id 1ms\n")
	if err := run(in, &out, cheapHash); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "ready" {
		t.Fatalf("got %q, want ready and three counts", lines)
	}
	if lines[1] != "3" {
		t.Errorf("RS256 with no budget: got %s operations, want the minimum, 3", lines[1])
	}
	if n, err := strconv.Atoi(lines[2]); err != nil || n <= 3 {
		t.Errorf("EdDSA for 20 ms of CPU: got %s operations, want more than 3 (one takes about 50 µs)", lines[2])
	}
}

func TestRunRefusesAnUnknownRequest(t *testing.T) {
	for _, request := range []string{"HS256 10ms", "RS256", "RS256 soon"} {
		var out strings.Builder
		if err := run(strings.NewReader(request+"\n"), &out, cheapHash); err == nil {
			t.Errorf("%q: got no error", request)
		}
	}
}

func TestRunRefusesMissingPasswordParameters(t *testing.T) {
	var out strings.Builder
	if err := run(strings.NewReader(""), &out, func(string) string { return "" }); err == nil {
		t.Error("got no error without PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME")
	}
}
