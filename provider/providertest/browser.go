package providertest

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The demo user's credentials, as SeedDemo registers them.
const (
	DemoUsername = "demo"
	DemoPassword = "demo"
)

// Browser is the demo user's user-agent: a cookie jar (so a login session
// lasts), and redirects returned instead of followed, so a test reads each
// Location. Client may be changed, its Transport say, before use.
type Browser struct {
	t      testing.TB
	Client *http.Client
	// Password is the one Decide signs in with: DemoPassword unless the
	// provider was configured with another.
	Password string
}

// NewBrowser returns a browser with an empty cookie jar that reports to t.
func NewBrowser(t testing.TB) *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{t: t, Password: DemoPassword, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// In returns the same browser (same cookie jar, so same login session)
// reporting to t, for use inside a subtest.
func (b *Browser) In(t testing.TB) *Browser {
	in := *b
	in.t = t
	return &in
}

// Get fetches a URL and returns the response and its body.
func (b *Browser) Get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.Client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return resp, ReadBody(b.t, resp)
}

// PostForm submits a form and returns the response and its body.
func (b *Browser) PostForm(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.Client.PostForm(u, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	return resp, ReadBody(b.t, resp)
}

// Decide answers a provider page that asks the user for a decision — the
// login and consent page of the authorization endpoint, or the device
// page ([RFC 8628 Section 3.3]) — as the demo user: it submits the page's
// form with its fields as they are, the demo user's credentials when the
// page asks for a password, and decision ("allow" or "deny"). resp and page
// are the page as it was served.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func (b *Browser) Decide(resp *http.Response, page, decision string) (*http.Response, string) {
	b.t.Helper()
	form := FormFields(page)
	if AsksPassword(page) {
		form.Set("username", DemoUsername)
		form.Set("password", b.Password)
	}
	form.Set("decision", decision)
	return b.Submit(resp, page, form)
}

// Submit posts form to where the page's form posts: its action, resolved
// against the page's URL as a browser resolves it. resp and page are the
// page as it was served.
func (b *Browser) Submit(resp *http.Response, page string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	action := formAction.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || action == nil {
		b.t.Fatalf("%s: got status %d, want 200 with a form to post: %s", resp.Request.URL, resp.StatusCode, page)
	}
	target, err := resp.Request.URL.Parse(html.UnescapeString(action[1]))
	if err != nil {
		b.t.Fatalf("%s: form action %q: %v", resp.Request.URL, action[1], err)
	}
	return b.PostForm(target.String(), form)
}

// Approve opens an authorization URL and lets the demo user allow it
// (signing in with the password when the page asks, else through the login
// session). It returns the redirect back to the client: the authorization
// response ([RFC 6749 Section 4.1.2]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (b *Browser) Approve(authURL string) *url.URL {
	b.t.Helper()
	resp, page := b.Get(authURL)
	resp, page = b.Decide(resp, page, "allow")
	return RedirectOf(b.t, resp, page)
}

// EnterUserCode opens verificationURIComplete (the verification URI with
// the user code, [RFC 8628 Section 3.3.1]), checks that the page prefills
// the code, and submits the page's form with it: the answer is the device
// consent page, for Decide.
//
// [RFC 8628 Section 3.3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3.1
func (b *Browser) EnterUserCode(verificationURIComplete string) (*http.Response, string) {
	b.t.Helper()
	u, err := url.Parse(verificationURIComplete)
	if err != nil {
		b.t.Fatalf("verification_uri_complete %q: %v", verificationURIComplete, err)
	}
	userCode := u.Query().Get("user_code")
	resp, page := b.Get(verificationURIComplete)
	if resp.StatusCode != http.StatusOK || userCode == "" || !strings.Contains(page, `value="`+html.EscapeString(userCode)+`"`) {
		b.t.Fatalf("GET %s: got %d, want 200 with the code prefilled: %s", verificationURIComplete, resp.StatusCode, page)
	}
	form := FormFields(page)
	form.Set("user_code", userCode)
	return b.Submit(resp, page, form)
}

// formAction finds where the page's form posts to.
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)

// hiddenField finds a hidden field of a form and its value.
var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// FormFields returns the hidden fields of the page's form.
func FormFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// AsksPassword reports whether a provider page shows the password field.
func AsksPassword(page string) bool { return strings.Contains(page, `name="password"`) }

// RedirectOf checks that resp is a 302 and returns its Location.
func RedirectOf(t testing.TB, resp *http.Response, page string) *url.URL {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("got status %d, want 302: %s", resp.StatusCode, page)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("bad Location: %v", err)
	}
	return loc
}

// ReadBody reads and closes a response body.
func ReadBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}
