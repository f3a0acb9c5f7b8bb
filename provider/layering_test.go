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

// TestStoreImportsNothingAbove: the store packages build from no package of
// the provider but the store's own (README, "Design": web, then oauth,
// then store and token; token imports store, never the other way). Wiring
// that needs the store and something above it, as opening the store and
// its key-encryption key does, lives above it (package backend).
func TestStoreImportsNothingAbove(t *testing.T) {
	const module, store = "github.com/oauth-reference/provider/", "github.com/oauth-reference/provider/internal/store"
	for _, dep := range goListDeps(t, "./internal/store/...") {
		if strings.HasPrefix(dep, module) && dep != store && !strings.HasPrefix(dep, store+"/") {
			t.Errorf("go list -deps ./internal/store/... holds %s, want only packages under internal/store", dep)
		}
	}
}

// goListDeps returns what `go list -deps` prints for pkg: the import path
// of every package pkg (a pattern such as ./x/... too) builds from, pkg's
// own included.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
