package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mdp/qrterminal/v3"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/tokenview"
)

// deviceScopes are the scopes `client device` asks for.
var deviceScopes = []string{"openid", "profile", "read"}

// runDevice runs `client device`: the device authorization grant
// ([RFC 8628]) as the public client DEVICE_CLIENT_ID. It prints the user code
// and where to enter it (and a QR code of verification_uri_complete on a
// terminal), polls the token endpoint until the user decides, then prints
// the tokens and the answer of /user/profile. A denial or an expired code
// returns an *OAuthError (access_denied, expired_token); Ctrl-C cancels ctx
// and returns context.Canceled.
//
// [RFC 8628]: https://www.rfc-editor.org/rfc/rfc8628
func runDevice(ctx context.Context, cfg config.Config, out terminal) error {
	client := cliHTTPClient()
	md, err := cliMetadata(ctx, client, cfg, out)
	if err != nil {
		return err
	}
	if md.DeviceAuthorizationEndpoint == "" {
		return errors.New("the provider's metadata has no device_authorization_endpoint")
	}
	oc := &oauth2.Config{
		ClientID: cfg.DeviceClientID,
		// A public client: it authenticates with nothing but its client_id
		// in the request body.
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: md.DeviceAuthorizationEndpoint,
			TokenURL:      md.TokenEndpoint,
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		Scopes: deviceScopes,
	}
	octx := context.WithValue(ctx, oauth2.HTTPClient, client)
	da, err := oc.DeviceAuth(octx)
	if err != nil {
		return oauthError("device authorization request", err)
	}
	printInstructions(out, da)
	tok, err := pollForToken(octx, oc, da, out)
	if err != nil {
		return err
	}
	now := time.Now()
	fmt.Fprintln(out.w)
	out.line("Approved.")
	printExpiry(out, tok, now)
	printToken(out, "Access token", tok.AccessToken, now)
	if rt := tok.RefreshToken; rt != "" {
		out.printf("\n%s: %s\n", out.lang.T("Refresh token"), tokenview.Mask(rt))
	}
	if id, _ := tok.Extra("id_token").(string); id != "" {
		printToken(out, "ID token", id, now)
	}
	return getResource(ctx, client, tok, cfg.BackChannelURL(resource.UserProfilePath), out)
}

// printInstructions tells the user where to go and what to type
// ([RFC 8628 Section 3.3]), with a QR code of verification_uri_complete on a
// terminal ([RFC 8628 Section 3.3.1]).
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
// [RFC 8628 Section 3.3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3.1
func printInstructions(out terminal, da *oauth2.DeviceAuthResponse) {
	fmt.Fprintln(out.w)
	out.line("Device authorization grant (RFC 8628)")
	fmt.Fprintln(out.w)
	out.line("  On another device, open   %s", da.VerificationURI)
	out.line("  and enter the code         %s", da.UserCode)
	if da.VerificationURIComplete == "" {
		return
	}
	out.line("  or open directly           %s", da.VerificationURIComplete)
	if isTerminal(out.w) {
		fmt.Fprintln(out.w)
		out.line("  or scan:")
		qrterminal.GenerateHalfBlock(da.VerificationURIComplete, qrterminal.L, out.w)
	}
}

// pollForToken lets x/oauth2 poll the token endpoint ([RFC 8628 Section 3.4]:
// authorization_pending, slow_down adding 5 seconds to the interval) while a
// progress line shows the time left, and names the outcome: the tokens, the
// OAuth error of [RFC 8628 Section 3.5], or the cancellation.
//
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func pollForToken(ctx context.Context, oc *oauth2.Config, da *oauth2.DeviceAuthResponse, out terminal) (*oauth2.Token, error) {
	// As x/oauth2 polls: at the announced interval, or 5 seconds when there
	// is none ([RFC 8628 Section 3.2]).
	//
	// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
	interval := 5 * time.Second
	if da.Interval > 0 {
		interval = time.Duration(da.Interval) * time.Second
	}
	fmt.Fprintln(out.w)
	out.line("Polling %s every %s until you approve or deny (Ctrl-C to stop)…", oc.Endpoint.TokenURL, out.lang.Seconds(interval))
	stop := showProgress(out, da.Expiry)
	tok, err := oc.DeviceAccessToken(ctx, da)
	stop()
	switch {
	case err == nil:
		return tok, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("stopped waiting for approval: %w", ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		// x/oauth2 stops polling when expires_in has passed.
		return nil, &OAuthError{Step: "device access token request", Code: "expired_token",
			Description: "the device code expired before it was approved"}
	}
	return nil, oauthError("device access token request", err)
}

// showProgress writes a progress line until stop is called: rewritten in
// place every second on a terminal, a plain line every 30 seconds elsewhere.
func showProgress(out terminal, expiry time.Time) (stop func()) {
	tty := isTerminal(out.w)
	period := 30 * time.Second
	if tty {
		period = time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(period)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				writeProgress(out, expiry, tty)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		if tty {
			fmt.Fprintln(out.w)
		}
	}
}

// writeProgress writes one progress line: in place on a terminal.
func writeProgress(out terminal, expiry time.Time, tty bool) {
	left := out.lang.T("waiting")
	if !expiry.IsZero() {
		left = out.lang.T("code expires %s", out.lang.Relative(expiry, time.Now()))
	}
	if tty {
		fmt.Fprint(out.w, "\r", out.lang.T("  waiting for approval… %s", left), "   ")
		return
	}
	out.line("  still waiting for approval (%s)", left)
}
