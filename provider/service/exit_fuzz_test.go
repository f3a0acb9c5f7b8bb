package service

import (
	"strings"
	"testing"
)

// FuzzDotEnv: for any .env content godotenv refuses, unparsableDotEnvLine
// names the line after the longest run of first lines that parses (the
// line trying every run finds), with its text, and dotEnvName reads from
// that line a variable name or nothing, never a value.
func FuzzDotEnv(f *testing.F) {
	for _, s := range []string{"A=1\nB=2\n", "A=1\nB='x\n", "A=\"multi\nline\"\nB=2\nsecret-value\n", "export X=1\n=oops\n",
		"A=1\r\nB", "#c\nA=`x\n", "A.B=1\n9X=2\n", "A=\"x\ny\\\"\nz\" B='\n' C-D\n", "A: 'x\n\ny'#c\nB=\"\nexport \n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		if len(content) > 1024 || dotEnvParses(content) {
			return // trying every run of first lines, below, is quadratic
		}
		lines := strings.SplitAfter(content, "\n")
		l := unparsableDotEnvLine(content, dotEnvParses)
		if want := longestParsingRun(lines) + 1; l.number != want || l.text != lines[want-1] {
			t.Fatalf("unparsableDotEnvLine(%q) = %+v, want line %d", content, l, want)
		}
		if name := dotEnvName(l.text); name != "" && (strings.ContainsAny(name, "= \t\"'") || !isDotEnvName(name)) {
			t.Fatalf("dotEnvName(%q) = %q", l.text, name)
		}
	})
}

// longestParsingRun returns how many first lines of a .env that does not
// parse make the longest run that does, by trying every run.
func longestParsingRun(lines []string) int {
	longest := 0
	for n := 1; n < len(lines); n++ {
		if dotEnvParses(strings.Join(lines[:n], "")) {
			longest = n
		}
	}
	return longest
}
