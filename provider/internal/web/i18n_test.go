package web

import (
	"context"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/i18n"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/templatetest"
)

// TestTemplateMessagesInBothCatalogues finds every message key the
// templates name (the literal arguments of T and TH, and the page titles
// given to "head") and checks that both catalogues hold it.
func TestTemplateMessagesInBothCatalogues(t *testing.T) {
	keys := templatetest.MessageKeys(parseTemplates(site{})[i18n.English], "T", "TH", "head", "selfRegistered")
	if len(keys) < 50 {
		t.Fatalf("found %d message keys in the templates; the walk misses some", len(keys))
	}
	wantInCatalogues(t, "template", keys)
}

// TestScopeExplanationsInBothCatalogues checks the sentence of every
// scope the consent pages explain.
func TestScopeExplanationsInBothCatalogues(t *testing.T) {
	var scopes []string
	for _, e := range oauth.ExplainScope(strings.Join(oauth.SupportedScopes(), " ")) {
		scopes = append(scopes, e.Description)
	}
	wantInCatalogues(t, "scope explanation", scopes)
}

func wantInCatalogues(t *testing.T, what string, keys []string) {
	t.Helper()
	for _, key := range keys {
		for _, l := range i18n.Locales {
			if !l.Has(key) {
				t.Errorf("%s %q: no message in the %s catalogue", what, key, l.Tag())
			}
		}
	}
}

// TestEveryPageInBothLanguages renders every template in each language with
// T and TH made strict: a key missing from the catalogue fails the test.
// Each page carries its <html lang>, and the Chinese pages hold no English
// sentence of the English ones.
func TestEveryPageInBothLanguages(t *testing.T) {
	client := store.Client{ID: "demo-client", Name: "Demo <App>", RegistrationTokenHash: "self-registered"}
	auth := &oauth.Authorization{Client: client, RedirectURI: "http://localhost:3000/callback", Scope: "openid profile email read write offline_access"}
	mismatch := newErrorPage(oauth.NewError(oauth.ErrInvalidRequest, "redirect_uri is not registered for this client"))
	mismatch.Mismatch = compareRedirectURIs(&oauth.RedirectMismatch{Received: "http://localhost:3000/cb",
		Registered: []string{"http://localhost:3000/callback", "http://localhost:3000/c"}})
	pages := []pageCase{
		{"authorize.html", consentPage{Auth: auth, NeedPassword: true, Error: msgWrongPassword,
			Resources: []consentResource{{URI: "http://localhost:8080", Own: true}, {URI: "https://mcp.example/mcp"}}}},
		{"authorize.html", consentPage{Auth: auth, SignedInAs: signedInUser{Name: "Demo <User>", Username: "user1"}}},
		{"authorize.html", consentPage{Auth: auth, SignedInAs: signedInUser{Username: "user1"}}},
		{"device.html", deviceEntryPage{Error: msgUnknownUserCode}},
		{"device_consent.html", deviceConsentPage{Device: &oauth.DeviceAuthorization{Client: client, Scope: "read"}, NeedPassword: true, Error: msgChooseApproveOrDeny}},
		{"device_consent.html", deviceConsentPage{Device: &oauth.DeviceAuthorization{Client: client, Scope: "read"}, SignedInAs: signedInUser{Name: "Demo User", Username: "user1"}}},
		{"device_result.html", deviceResultPage{Title: msgExpiredUserCode, Message: msgExpiredUserCodeDetail, TryAgain: true}},
		{"device_result.html", deviceResultPage{Title: msgDeviceConnected, Message: msgDeviceConnectedDetail}},
		{"error.html", mismatch},
		{"error.html", newErrorPage(oauth.CheckFormCSRF(context.Background(), false))},
		{"error.html", newErrorPage(oauth.NewError(oauth.ErrServerError, "the server could not complete the request"))},
		{"error.html", errorPage{Error: oauth.NewError(errNotFound, "no such endpoint"), Check: msgCheckAddress}},
		{"index.html", indexPage{Issuer: "http://localhost:8080", Traces: true}},
		{"leave.html", leavePage{AuthorizationError: &oauth.AuthorizationError{Error: oauth.NewError(oauth.ErrInvalidScope, "unknown scope"),
			RedirectURI: "https://app.example/cb", Client: &client}, Location: "https://app.example/cb?error=invalid_scope"}},
		{"leave.html", leavePage{AuthorizationError: &oauth.AuthorizationError{Error: oauth.NewError(oauth.ErrAccessDenied, "the user denied the request"),
			RedirectURI: "https://app.example/cb", Client: &client}, Location: "https://app.example/cb?error=access_denied"}},
		{"logout.html", logoutPage{Logout: &oauth.Logout{Client: &client, RedirectURI: "http://localhost:3000/"}, SignedIn: true, Error: msgLogoutNotOurs}},
		{"logout.html", logoutPage{Logout: &oauth.Logout{Request: oauth.LogoutRequest{IDTokenHint: "x"}}}},
		{"logout.html", logoutPage{Logout: &oauth.Logout{Client: &client, RedirectURI: "https://app.example/", RedirectUntrusted: true}, SignedIn: true}},
		{"logged_out.html", logoutPage{Logout: &oauth.Logout{Client: &client}, SignedIn: true}},
		{"logged_out.html", logoutPage{Logout: &oauth.Logout{}}},
		{"logged_out.html", logoutPage{Logout: &oauth.Logout{}, Stayed: true, SignedIn: true}},
		{"logged_out.html", logoutPage{Logout: &oauth.Logout{}, Stayed: true}},
		{"resource.html", token.AccessTokenClaims{Subject: "demo", ClientID: "demo-client", Scope: "read"}},
		// (handleTraces translates a trace's rules and changes before the page shows them: TestE2ETracesPage)
		{"traces.html", tracesPage{Max: maxListedTraces, Traces: []traceRecord{{RequestID: "R1", Method: "POST", Path: "/oauth/token",
			ClientID: "testclient", Status: 400, Outcome: "invalid_grant", Changes: []string{"—"},
			Checks: []oauth.Check{{Rule: "—", Ref: "RFC 6749 Section 4.1.3", Passed: false}}}}}},
		{"traces.html", tracesPage{Max: maxListedTraces, ClientID: "nobody"}},
		{"traces.html", tracesPage{Max: maxListedTraces}},
	}
	lang := regexp.MustCompile(`<html lang="([^"]+)">`)
	rendered := map[i18n.Locale][]string{}
	renderEach(t, pages, func(l i18n.Locale, page pageCase, out string) {
		if m := lang.FindStringSubmatch(out); m == nil || m[1] != l.HTMLLang() {
			t.Errorf("%s in %s: <html lang> %v, want %q", page.name, l.Tag(), m, l.HTMLLang())
		}
		rendered[l] = append(rendered[l], out)
	})
	for i, page := range pages {
		if zh := rendered[i18n.TraditionalChinese][i]; regexp.MustCompile(`[。，：；]\s+\p{Han}`).MatchString(zh) {
			t.Errorf("%s in zh-TW: a space after Chinese punctuation: %s", page.name, zh)
		}
		for _, sentence := range englishSentences(rendered[i18n.English][i]) {
			if strings.Contains(rendered[i18n.TraditionalChinese][i], sentence) {
				t.Errorf("%s in zh-TW still says %q", page.name, sentence)
			}
		}
	}
}

// TestDecisionMessageNamesThePageButtons: the message a consent page shows
// for a decision it does not offer names that page's own buttons, in each
// language (the login and consent page says Allow, the device page Approve).
func TestDecisionMessageNamesThePageButtons(t *testing.T) {
	auth := &oauth.Authorization{Client: store.Client{ID: "demo-client"}, Scope: "read"}
	device := &oauth.DeviceAuthorization{Client: store.Client{ID: "demo-client"}, Scope: "read"}
	pages := []pageCase{
		{"authorize.html", consentPage{Auth: auth, NeedPassword: true, Error: msgChooseAllowOrDeny}},
		{"device_consent.html", deviceConsentPage{Device: device, NeedPassword: true, Error: msgChooseApproveOrDeny}},
	}
	message := regexp.MustCompile(`<p id="form-error"[^>]*>([^<]*)</p>`)
	button := regexp.MustCompile(`<button[^>]*name="decision"[^>]*>([^<]*)</button>`)
	renderEach(t, pages, func(l i18n.Locale, page pageCase, out string) {
		m := message.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s in %s: no form error shown", page.name, l.Tag())
		}
		for _, b := range button.FindAllStringSubmatch(out, -1) {
			if !strings.Contains(m[1], b[1]) {
				t.Errorf("%s in %s: the message %q does not name the button %q", page.name, l.Tag(), m[1], b[1])
			}
		}
	})
}

// pageCase is a template to render, and the data to render it with.
type pageCase struct {
	name string
	data any
}

// renderEach renders each page in each language with strictTemplates, in
// order, and hands check the page's HTML.
func renderEach(t *testing.T, pages []pageCase, check func(l i18n.Locale, page pageCase, out string)) {
	t.Helper()
	for _, l := range i18n.Locales {
		set := strictTemplates(t, l)
		for _, page := range pages {
			var out strings.Builder
			if err := set.ExecuteTemplate(&out, page.name, page.data); err != nil {
				t.Fatalf("%s in %s: %v", page.name, l.Tag(), err)
			}
			check(l, page, out.String())
		}
	}
}

// strictTemplates parses the templates of locale l with T and TH failing
// the test on a key its catalogue does not hold.
func strictTemplates(t *testing.T, l i18n.Locale) *template.Template {
	funcs := pageFuncs(l, site{demoAccount: &account{"demo", "demo"}})
	translate, translateHTML := funcs["T"].(func(string, ...any) string), funcs["TH"].(func(string, ...any) template.HTML)
	check := func(key string) {
		if !l.Has(key) {
			t.Errorf("%s: no message for %q", l.Tag(), key)
		}
	}
	funcs["T"] = func(key string, args ...any) string { check(key); return translate(key, args...) }
	funcs["TH"] = func(key string, args ...any) template.HTML { check(key); return translateHTML(key, args...) }
	return template.Must(template.New("pages").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
}

// englishSentences lists the runs of English words (four or more) of a
// page's text, outside its tags, its code and the protocol's own words
// (an error_description, marked lang="en").
func englishSentences(page string) []string {
	page = regexp.MustCompile(`(?s)<style>.*?</style>|<code[^>]*>.*?</code>|<span lang="en">.*?</span>|<[^>]+>`).ReplaceAllString(page, "\n")
	return regexp.MustCompile(`[A-Za-z]+(?:[ ,'][A-Za-z]+){3,}`).FindAllString(page, -1)
}
