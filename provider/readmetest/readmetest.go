// Package readmetest reads the README's "Configuration" table in tests, so
// that the provider's and the client's tests can each hold it to the
// variables their program reads, and README.zh-TW.md's to the English one.
package readmetest

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Setting is one variable of the README's "Configuration" table.
type Setting struct {
	ReadBy  string // "both", "provider", "client" or "docker compose" (in README.zh-TW.md, translated)
	Default string // "" when the table says (empty…) or random per start
}

var (
	variableName  = regexp.MustCompile("`([A-Z][A-Z0-9_]*)`")
	listSeparator = regexp.MustCompile(`, |、`) // English, and the Chinese enumeration comma
)

// Configuration reads the table of the section of the README at path
// whose heading is "## " + heading: each row names one or more variables,
// who reads them, and their defaults, one per variable, comma-separated. A
// default is the value in backticks; anything else ("(empty)", "random per
// start") is empty.
func Configuration(t testing.TB, path, heading string) map[string]Setting {
	t.Helper()
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf(`%s has no "## %s" section`, path, heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	out := map[string]Setting{}
	for line := range strings.Lines(section) {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), " | ")
		if len(cells) != 4 {
			t.Fatalf("configuration row %q: want 4 cells, got %d", line, len(cells))
		}
		names := variableName.FindAllStringSubmatch(cells[0], -1)
		defaults := []string{cells[2]}
		if len(names) > 1 {
			defaults = listSeparator.Split(cells[2], -1)
		}
		if len(defaults) != len(names) {
			t.Fatalf("configuration row %q: %d variables, %d defaults", line, len(names), len(defaults))
		}
		for i, name := range names {
			value := ""
			if d := defaults[i]; strings.HasPrefix(d, "`") && strings.HasSuffix(d, "`") {
				value = strings.Trim(d, "`")
			}
			out[name[1]] = Setting{ReadBy: strings.TrimSpace(cells[1]), Default: value}
		}
	}
	return out
}

// CheckProgram holds table to a program's FromEnv: the variables it looks
// up are exactly the rows read by program ("provider" or "client") or by
// both, and setting any one of them to the table's default gives the
// settings that setting none gives.
func CheckProgram[C any](t *testing.T, table map[string]Setting, program string, fromEnv func(lookup func(string) (string, bool)) (C, error)) {
	t.Helper()
	var read []string
	defaults, err := fromEnv(func(name string) (string, bool) {
		read = append(read, name)
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(read)
	if diff := cmp.Diff(readBy(table, program), read); diff != "" {
		t.Errorf("variables the README says the %s reads (-) against those it reads (+):\n%s", program, diff)
	}
	for _, name := range read {
		value := table[name].Default
		got, err := fromEnv(func(n string) (string, bool) { return value, n == name })
		if err != nil {
			t.Errorf("%s=%q, the README's default: %v", name, value, err)
			continue
		}
		if diff := cmp.Diff(defaults, got); diff != "" {
			t.Errorf("%s=%q, the README's default, is not the %s's default (-want +got):\n%s", name, value, program, diff)
		}
	}
}

// readBy returns, sorted, the variables of table that program reads: its
// own rows and those read by both.
func readBy(table map[string]Setting, program string) []string {
	var names []string
	for name, s := range table {
		if s.ReadBy == program || s.ReadBy == "both" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
