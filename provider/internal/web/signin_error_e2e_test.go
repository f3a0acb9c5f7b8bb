package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// inputRE matches the <input> of the sign-in field id.
func inputRE(id string) *regexp.Regexp {
	return regexp.MustCompile(`<input id="` + id + `"[^>]*>`)
}

// signInFieldsWant is how a sign-in page's two fields should start: which
// one has the focus, and whether both are marked invalid and described by
// the error message.
type signInFieldsWant struct {
	focus     string // "username" or "password"
	invalid   bool   // aria-invalid="true"
	described bool   // aria-describedby="form-error", the id of the error message
}

// checkSignInFields checks the username and password fields of page.
func checkSignInFields(t *testing.T, what, page string, want signInFieldsWant) {
	t.Helper()
	if want.described && !strings.Contains(page, `<p id="form-error" class="error" role="alert">`) {
		t.Errorf("%s: no error message with the id form-error", what)
	}
	for _, id := range []string{"username", "password"} {
		field := inputRE(id).FindString(page)
		for attr, on := range map[string]bool{
			" autofocus":                     id == want.focus,
			` aria-invalid="true"`:           want.invalid,
			` aria-describedby="form-error"`: want.described,
		} {
			if strings.Contains(field, attr) != on {
				t.Errorf("%s: the %s field %s has%s: got %t, want %t", what, id, field, attr, !on, on)
			}
		}
	}
}

// TestE2ESignInErrorFocus: the sign-in fields of the login and consent page
// and of the device consent page. First the focus is on the username;
// after a wrong password the page comes back with the username kept and
// the focus on the password, the one field to type again, and both fields
// marked invalid and described by the message, so that a screen reader
// says why (WCAG 3.3.1, 2.4.3; techniques ARIA21, G83). With the username
// not kept, the focus is on it.
func TestE2ESignInErrorFocus(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	first := signInFieldsWant{focus: "username"}
	wrongPassword := signInFieldsWant{focus: "password", invalid: true, described: true}
	empty := signInFieldsWant{focus: "username", invalid: true, described: true}

	t.Run("the login and consent page", func(t *testing.T) {
		b := newBrowser(t)
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		_, page := b.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		checkSignInFields(t, "the page", page, first)
		form := providertest.FormFields(page)
		form.Set("username", providertest.DemoUsername)
		form.Set("password", "wrong")
		form.Set("decision", "allow")
		resp, page := b.PostForm(srv.URL+"/oauth/authenticate", form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Wrong username or password") {
			t.Fatalf("a wrong password: got %d, want 400 and the form again: %.300s", resp.StatusCode, page)
		}
		checkSignInFields(t, "after a wrong password", page, wrongPassword)
		form.Set("username", "")
		form.Set("password", "")
		if _, page = b.PostForm(srv.URL+"/oauth/authenticate", form); !strings.Contains(page, "Please sign in.") {
			t.Fatalf("an empty form: want the form again with Please sign in: %.300s", page)
		}
		checkSignInFields(t, "after an empty form", page, empty)
	})
	t.Run("the device consent page", func(t *testing.T) {
		b := newBrowser(t)
		da := startDevice(t, deviceConfig(srv, "read"))
		_, page := b.EnterUserCode(da.VerificationURIComplete)
		checkSignInFields(t, "the page", page, first)
		form := providertest.FormFields(page)
		form.Set("username", providertest.DemoUsername)
		form.Set("password", "wrong")
		form.Set("decision", "allow")
		resp, page := b.PostForm(da.VerificationURI, form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Wrong username or password") {
			t.Fatalf("a wrong password: got %d, want 400 and the form again: %.300s", resp.StatusCode, page)
		}
		checkSignInFields(t, "after a wrong password", page, wrongPassword)
	})
}
