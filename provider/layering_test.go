package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOAuthHasNoGin: the protocol package, and everything it imports,
// builds without Gin (README, "Design": only package web imports Gin). A
// Gin package among its dependencies means a helper of package service (a
// Gin package) crept back into oauth, config, store or token: move what
// they need into a Gin-free package, as requestlog and setting are.
func TestOAuthHasNoGin(t *testing.T) {
	for _, dep := range goListDeps(t, "./internal/oauth") {
		if strings.HasPrefix(dep, "github.com/gin-gonic/") {
			t.Errorf("go list -deps ./internal/oauth holds %s, want no Gin package", dep)
		}
	}
}

// goListDeps returns what `go list -deps` prints for pkg: the import path
// of every package pkg builds from, pkg's own included.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
