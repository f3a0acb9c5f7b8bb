package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestParseFlags(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "data/provider.db", "TEST_DATABASE_URL": "postgres://db/test"}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o, err := parseFlags(fs, []string{"-duration", "2s", "-paths", "bearer, memory"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.DatabaseURL != "postgres://db/test" {
		t.Errorf("database URL: got %q, want TEST_DATABASE_URL's (DATABASE_URL names SQLite)", o.DatabaseURL)
	}
	if o.Window.Duration.String() != "2s" {
		t.Errorf("duration: got %v, want 2s", o.Window.Duration)
	}
	for key, want := range map[string]bool{"bearer": true, keyMemory: true, "cc-rs256": false, "login": false} {
		if got := o.selected(key); got != want {
			t.Errorf("selected(%q): got %v, want %v", key, got, want)
		}
	}
	if (options{}).selected("login") != true {
		t.Error("without -paths, every path is selected")
	}
}

func TestParseFlagsRefusesAnUnknownPath(t *testing.T) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseFlags(fs, []string{"-paths", "bearer,password"}, func(string) string { return "" }); err == nil {
		t.Error("got no error for -paths password")
	}
}

func TestParseFlagsRefusesNoRounds(t *testing.T) {
	for _, args := range [][]string{{"-window", "0s"}, {"-duration", "0s"}} {
		fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := parseFlags(fs, args, func(string) string { return "" }); err == nil {
			t.Errorf("%v: got no error", args)
		}
	}
}

// TestHaltPolling: the guest's halt polling is named when its setting is
// there, and nothing is said when it is not.
func TestHaltPolling(t *testing.T) {
	file := filepath.Join(t.TempDir(), "guest_halt_poll_ns")
	if err := os.WriteFile(file, []byte("200000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := haltPolling(file), "; an idle CPU polls 200000 ns before it halts"; got != want {
		t.Errorf("haltPolling(%s) = %q, want %q", file, got, want)
	}
	if got := haltPolling(filepath.Join(t.TempDir(), "absent")); got != "" {
		t.Errorf("haltPolling of no file = %q, want \"\"", got)
	}
}
