package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/config"
)

// TestNoSettingShowsAPassword: a URL with a password, pasted into any
// variable the provider reads (an address, a choice, a duration, a
// number, not only a URL setting), does not show that password in the
// error the provider stops with, nor in what it logged before
// (setting.Show).
func TestNoSettingShowsAPassword(t *testing.T) {
	const password = "pw-X"
	var names []string
	_, _ = config.FromEnv(func(name string) (string, bool) { names = append(names, name); return "", false })
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		t.Run(name, func(t *testing.T) {
			withUnopenableStore(t) // a value accepted stops the start at the store
			t.Setenv(name, "http://u:"+password+"@h:1")
			var out strings.Builder
			err := run(context.Background(), nil, &out)
			if err == nil {
				t.Fatal("a store that cannot be opened: got no error")
			}
			if strings.Contains(err.Error(), password) || strings.Contains(out.String(), password) {
				t.Errorf("%s=http://u:%s@h:1: got %q, log %q; want no %s", name, password, err, out.String(), password)
			}
		})
	}
}
