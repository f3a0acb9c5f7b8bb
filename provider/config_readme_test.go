package main

import (
	"bufio"
	"os"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/readmetest"
)

var envLine = regexp.MustCompile(`^#?\s*([A-Z][A-Z0-9_]*)=(.*)$`)

// envExample reads ../.env.example: each variable's value, a commented-out
// one ("# TEACHING_MODE=auto") included.
func envExample(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if m := envLine.FindStringSubmatch(lines.Text()); m != nil {
			out[m[1]] = m[2]
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadmeConfigurationTable holds the README's "Configuration" table to
// the provider's code (readmetest.CheckProgram: the variables it reads, and
// their defaults) and to .env.example: the same variables with the same
// defaults. The client's config tests hold the table to the client.
func TestReadmeConfigurationTable(t *testing.T) {
	table := readmetest.Configuration(t, "../README.md", "Configuration")

	readmetest.CheckProgram(t, table, "provider", config.FromEnv)

	example := envExample(t)
	for name, s := range table {
		if value, ok := example[name]; !ok {
			t.Errorf(".env.example lacks %s, which the README's table lists", name)
		} else if value != s.Default {
			t.Errorf("%s: .env.example says %q, the README's table %q", name, value, s.Default)
		}
	}
	for name := range example {
		if _, ok := table[name]; !ok {
			t.Errorf("the README's configuration table lacks %s, which .env.example sets", name)
		}
	}
}

// TestReadmeZhTWConfigurationTable checks that README.zh-TW.md's table names
// the variables of the English one with the same defaults.
func TestReadmeZhTWConfigurationTable(t *testing.T) {
	english := readmetest.Configuration(t, "../README.md", "Configuration")
	chinese := readmetest.Configuration(t, "../README.zh-TW.md", "設定 (Configuration)")
	defaults := func(table map[string]readmetest.Setting) map[string]string {
		out := map[string]string{}
		for name, s := range table {
			out[name] = s.Default
		}
		return out
	}
	if diff := cmp.Diff(defaults(english), defaults(chinese)); diff != "" {
		t.Errorf("variables and defaults of README.md (-) against README.zh-TW.md (+):\n%s", diff)
	}
}
