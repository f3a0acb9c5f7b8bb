package main

import (
	"os"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/glossarytest"
)

// TestReadmeZhTWGlossary holds README.zh-TW.md to the glossary the
// catalogues keep (it heads internal/i18n/zh_tw.go): it fails, naming the
// line, on each variant the glossary turned down, and on 程序, which the
// README could only mean as a process (行程).
func TestReadmeZhTWGlossary(t *testing.T) {
	data, err := os.ReadFile("../README.zh-TW.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if variant, term := glossarytest.RejectedReadmeTerm(line); variant != "" {
			t.Errorf("README.zh-TW.md:%d says %s: the glossary's word is %s", i+1, variant, term)
		}
	}
}
