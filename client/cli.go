package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/term"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/client/internal/wirelog"
)

// OAuthError is an OAuth error answer ([RFC 6749 Section 5.2],
// [RFC 8628 Section 3.5]) that ends a CLI flow.
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
type OAuthError struct {
	Step        string // what failed: "token request", …
	Code        string // the "error" parameter: invalid_client, access_denied, …
	Description string // the "error_description" parameter
}

// Error returns the step, the OAuth error code and its description.
func (e *OAuthError) Error() string {
	s := e.Step + " failed: " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// oauthError turns the error of an x/oauth2 call into an *OAuthError when
// the provider answered with an OAuth error code. What the provider sent is
// shortened (wirelog.Shorten), as the web pages show it: an
// error_description, or the body that x/oauth2 quotes whole in its error
// when there is no code, may be far longer than any message worth printing.
func oauthError(step string, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case !errors.As(err, &re):
		return fmt.Errorf("%s failed: %w", step, err)
	case re.ErrorCode != "":
		return &OAuthError{Step: step, Code: wirelog.Shorten(re.ErrorCode), Description: wirelog.Shorten(re.ErrorDescription)}
	default:
		return fmt.Errorf("%s failed: %s", step, wirelog.Shorten(re.Error()))
	}
}

// terminal is where a CLI flow writes: standard output, in the language of
// the user's locale (cliLanguage).
type terminal struct {
	w    io.Writer
	lang i18n.Lang
}

// line writes the message whose English is key, in t's language, formatted
// with args, and ends the line.
func (t terminal) line(key string, args ...any) {
	t.printf("%s\n", t.lang.T(key, args...))
}

// printf writes format with args, made Printable: what the CLI prints
// quotes what the provider and the resource sent (an error_description, a
// verification_uri, a body, a status line), which must not drive the
// terminal.
func (t terminal) printf(format string, args ...any) {
	fmt.Fprint(t.w, wirelog.Printable(fmt.Sprintf(format, args...)))
}

// cliLanguage is the language of the CLI's output: that of the first of
// LC_ALL, LC_MESSAGES and LANG that is set, in the order POSIX reads them
// ("zh_TW.UTF-8" is Traditional Chinese); English for any other.
func cliLanguage(getenv func(string) string) i18n.Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale := getenv(name); locale != "" {
			tag, _, _ := strings.Cut(locale, ".") // zh_TW.UTF-8: the tag, then the encoding
			tag, _, _ = strings.Cut(tag, "@")
			return i18n.Negotiate("", strings.ReplaceAll(tag, "_", "-"))
		}
	}
	return i18n.English
}

// cliHTTPClient is the HTTP client of the CLI flows.
func cliHTTPClient() *http.Client {
	return &http.Client{Timeout: 15 * time.Second}
}

// cliMetadata fetches the provider's metadata for a CLI flow, a few times at
// most, and returns it with the back-channel endpoints.
func cliMetadata(ctx context.Context, client *http.Client, cfg config.Config, out terminal) (metadata.Metadata, error) {
	md, err := metadata.Discover(ctx, client, cfg.AuthServer, cfg.BackChannel(), metadata.Retry{
		Attempts: 4,
		Log: func(attempt int, err error, wait time.Duration) {
			if wait > 0 {
				out.line("provider not answering (attempt %d): %s; retrying in %s", attempt, err.Error(), wait.String())
			}
		},
	})
	if err != nil {
		return md, err
	}
	return md.BackChannel(cfg.AuthServer, cfg.AuthServerInternal), nil
}

// printToken writes a token masked, and its header and claims when it is a
// JWT, under name ("Access token", "ID token"). Decoding is for display
// only: the provider verifies its tokens.
func printToken(out terminal, name, raw string, now time.Time) {
	if raw == "" {
		return
	}
	out.printf("\n%s: %s\n", out.lang.T(name), tokenview.Mask(raw))
	jwt, err := tokenview.Decode(raw)
	if err != nil {
		out.line("  (opaque: not a JWT)")
		return
	}
	out.printf("  %s:\n%s\n  %s:\n%s\n", out.lang.T("Header"), indent(jwt.Header, "    "),
		out.lang.T("Claims"), indent(jwt.Claims, "    "))
	for _, tc := range jwt.Times {
		out.printf("  %-11s %s\n", tc.Name+":", out.lang.When(tc.At, now))
	}
}

// printExpiry writes the access token's type and scope, and when it expires.
func printExpiry(out terminal, tok *oauth2.Token, now time.Time) {
	scope, _ := tok.Extra("scope").(string)
	out.printf("\ntoken_type %s, scope %q", tok.Type(), scope)
	if !tok.Expiry.IsZero() {
		out.printf("%s", out.lang.T(", expires %s", out.lang.When(tok.Expiry, now)))
	}
	out.printf("\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// getResource calls a resource with the access token as a Bearer token
// ([RFC 6750 Section 2.1]) and prints the answer. Any status but 200 is an
// error.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func getResource(ctx context.Context, client *http.Client, tok *oauth2.Token, url string, out terminal) error {
	withToken := oauth2.NewClient(context.WithValue(ctx, oauth2.HTTPClient, client), oauth2.StaticTokenSource(tok))
	resp, body, err := resource.Get(ctx, withToken, url)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	out.printf("\nGET %s → %s\n%s\n", url, resp.Status, wirelog.BodyText(resp.Header.Get("Content-Type"), body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %s", url, resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
	return nil
}

// isTerminal reports whether w is a terminal, where a QR code and a
// self-updating progress line make sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
