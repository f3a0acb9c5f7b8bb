package web

import (
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
)

// TestEndPagesLinkOn: a page that ends a visit is no dead end: the
// signed-out pages and the client-facing error pages link the provider's
// home page, and every device result links the code entry form, in each
// language.
func TestEndPagesLinkOn(t *testing.T) {
	const home, device = `<a href="/">`, `<a href="/device">`
	pages := []struct {
		page pageCase
		link string
	}{
		{pageCase{"logged_out.html", logoutPage{Logout: &oauth.Logout{}, SignedIn: true}}, home},
		{pageCase{"logged_out.html", logoutPage{Logout: &oauth.Logout{}}}, home},
		{pageCase{"logged_out.html", logoutPage{Logout: &oauth.Logout{}, Stayed: true, SignedIn: true}}, home},
		{pageCase{"error.html", newErrorPage(oauth.NewError(oauth.ErrInvalidClient, "unknown client"))}, home},
		{pageCase{"error.html", newErrorPage(oauth.NewError(oauth.ErrServerError, "the server could not complete the request"))}, home},
		{pageCase{"device_result.html", deviceResultPage{Title: msgDeviceConnected, Message: msgDeviceConnectedDetail}}, device},
		{pageCase{"device_result.html", deviceResultPage{Title: msgDeviceDenied, Message: msgDeviceDeniedDetail}}, device},
		{pageCase{"device_result.html", deviceResultPage{Title: msgUsedUserCode, Message: msgUsedUserCodeDetail, TryAgain: true}}, device},
	}
	for _, l := range i18n.Locales {
		set := strictTemplates(t, l)
		for _, p := range pages {
			var out strings.Builder
			if err := set.ExecuteTemplate(&out, p.page.name, p.page.data); err != nil {
				t.Fatalf("%s in %s: %v", p.page.name, l.Tag(), err)
			}
			if !strings.Contains(out.String(), p.link) {
				t.Errorf("%s %+v in %s: no link %s:\n%s", p.page.name, p.page.data, l.Tag(), p.link, out.String())
			}
		}
	}
}

// TestConsentPagesNoteSelfRegistration: both consent pages, the
// authorization endpoint's and the device's, say that a client which
// registered itself chose its own name (RFC 8628 Section 5.4: a device
// client may borrow a trusted device's name), in each language; a client
// the operator configured gets no such note.
func TestConsentPagesNoteSelfRegistration(t *testing.T) {
	const note = "This app registered itself: its name is its own claim, not verified by this server."
	configured := store.Client{ID: "device-client", Name: "Demo device (CLI)"}
	self := store.Client{ID: "cECZ8vC5OaDligCtiultpA", Name: "Demo device (CLI)", RegistrationTokenHash: "self-registered"}
	pages := []struct {
		page     pageCase
		wantNote bool
	}{
		{pageCase{"device_consent.html", deviceConsentPage{Device: &oauth.DeviceAuthorization{Client: self, Scope: "read"}}}, true},
		{pageCase{"device_consent.html", deviceConsentPage{Device: &oauth.DeviceAuthorization{Client: self, Scope: "read"}, NeedPassword: true}}, true},
		{pageCase{"device_consent.html", deviceConsentPage{Device: &oauth.DeviceAuthorization{Client: configured, Scope: "read"}}}, false},
		{pageCase{"authorize.html", consentPage{Auth: &oauth.Authorization{Client: self, RedirectURI: "https://app.example/cb", Scope: "read"}}}, true},
		{pageCase{"authorize.html", consentPage{Auth: &oauth.Authorization{Client: configured, RedirectURI: "https://app.example/cb", Scope: "read"}}}, false},
	}
	for _, p := range pages {
		renderEach(t, []pageCase{p.page}, func(l i18n.Locale, page pageCase, out string) {
			if got := strings.Contains(out, l.T(note)); got != p.wantNote {
				t.Errorf("%s for %+v in %s: self-registration note shown %t, want %t:\n%s", page.name, page.data, l.Tag(), got, p.wantNote, out)
			}
		})
	}
}

// TestConsentPagesNameTheSignedInUser: a consent page that needs no
// password names the account it decides for, by name (escaped) and
// username, or by username alone, and offers to use another account; one
// that asks for the password does neither. In each language.
func TestConsentPagesNameTheSignedInUser(t *testing.T) {
	const switchButton = `name="switch_account"`
	device := &oauth.DeviceAuthorization{Client: store.Client{ID: "device-client"}, Scope: "read"}
	auth := &oauth.Authorization{Client: store.Client{ID: "demo-client"}, RedirectURI: "https://app.example/cb", Scope: "read"}
	named, unnamed := signedInUser{Name: "Demo <User>", Username: "user1"}, signedInUser{Username: "user1"}
	pages := []struct {
		page pageCase
		want []string // what names the user; nil for a page that asks for the password
	}{
		{pageCase{"device_consent.html", deviceConsentPage{Device: device, SignedInAs: named}}, []string{"<strong>Demo &lt;User&gt;</strong>", "<code>user1</code>"}},
		{pageCase{"device_consent.html", deviceConsentPage{Device: device, SignedInAs: unnamed}}, []string{"<code>user1</code>"}},
		{pageCase{"authorize.html", consentPage{Auth: auth, SignedInAs: named}}, []string{"<strong>Demo &lt;User&gt;</strong>", "<code>user1</code>"}},
		{pageCase{"device_consent.html", deviceConsentPage{Device: device, NeedPassword: true}}, nil},
		{pageCase{"authorize.html", consentPage{Auth: auth, NeedPassword: true}}, nil},
	}
	for _, p := range pages {
		renderEach(t, []pageCase{p.page}, func(l i18n.Locale, page pageCase, out string) {
			for _, want := range p.want {
				if !strings.Contains(out, want) {
					t.Errorf("%s %+v in %s: does not name the signed-in user with %s:\n%s", page.name, page.data, l.Tag(), want, out)
				}
			}
			if got := strings.Contains(out, switchButton); got != (p.want != nil) {
				t.Errorf("%s %+v in %s: a button to use another account %t, want %t", page.name, page.data, l.Tag(), got, p.want != nil)
			}
		})
	}
}
