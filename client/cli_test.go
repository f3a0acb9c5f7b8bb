package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	if got := exitCode(context.Canceled); got != 130 {
		t.Errorf("exitCode(Canceled) = %d, want 130 (interrupted)", got)
	}
	if got := exitCode(&OAuthError{Code: "access_denied"}); got != 1 {
		t.Errorf("exitCode(access_denied) = %d, want 1", got)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bogus"}, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("run(bogus) = %v, want a usage error", err)
	}
	if err := run(context.Background(), []string{"help"}, &out); err != nil || !strings.Contains(out.String(), "credentials") {
		t.Errorf("run(help) = %v, %q", err, &out)
	}
}
