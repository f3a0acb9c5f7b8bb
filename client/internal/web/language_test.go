package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/xray"
	"github.com/oauth-reference/provider/providertest"
	"github.com/oauth-reference/provider/templatetest"
)

// keptEnglish are the elements whose text stays as the protocol spells it.
var keptEnglish = map[string]bool{"code": true, "pre": true, "kbd": true, "samp": true, "script": true, "style": true}

// inline are the elements that do not break a sentence.
var inline = map[string]bool{"a": true, "span": true, "strong": true, "em": true, "b": true, "i": true, "q": true, "time": true, "small": true, "abbr": true}

// void are the elements that have no end tag.
var void = map[string]bool{"br": true, "input": true, "img": true, "meta": true, "link": true, "hr": true, "wbr": true}

// visibleText returns the text a reader sees on page, outside the elements
// of keptEnglish and those marked translate="no" or lang="en", with "\x00"
// where a block ends, so no run of words spans two blocks.
func visibleText(page string) string {
	z := html.NewTokenizer(strings.NewReader(page))
	var b strings.Builder
	type open struct {
		name string
		kept bool
	}
	var stack []open
	kept := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !inline[tok.Data] {
				b.WriteByte(0)
			}
			if void[tok.Data] || tok.Type == html.SelfClosingTagToken {
				continue
			}
			k := keptEnglish[tok.Data] || slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool {
				return (a.Key == "translate" && a.Val == "no") || (a.Key == "lang" && a.Val == "en")
			})
			stack = append(stack, open{tok.Data, k})
			if k {
				kept++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name == string(name) {
					for _, o := range stack[i:] {
						if o.kept {
							kept--
						}
					}
					stack = stack[:i]
					break
				}
			}
			if !inline[string(name)] {
				b.WriteByte(0)
			}
		case html.TextToken:
			if kept == 0 {
				b.Write(z.Text())
			}
		}
	}
}

// englishRunRE is four or more English words in a row.
var englishRunRE = regexp.MustCompile(`[A-Za-z]+(?:['’-][A-Za-z]+)*(?:[ \t\r\n]+[A-Za-z]+(?:['’-][A-Za-z]+)*){3,}`)

// specNameRE matches an OpenID specification's name, with its section if
// any: in every language a page names it in English, as it names
// "RFC 6749 Section 4.1.1".
var specNameRE = regexp.MustCompile(`\b(?:OIDC|OpenID Connect)(?: [A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*)+(?: Section [\d.]+)?`)

// englishRuns returns the English sentences left on a page meant to be in
// another language: runs of four or more English words in its visible text.
// Terms kept beside their translation, "授權碼 (authorization code)", are
// shorter; the protocol's own words are in code, pre or marked translate="no";
// a specification's name (specNameRE) is not a sentence.
func englishRuns(page string) []string {
	return englishRunRE.FindAllString(specNameRE.ReplaceAllString(visibleText(page), "\x00"), -1)
}

func TestEnglishRuns(t *testing.T) {
	tests := []struct {
		name, page string
		want       []string
	}{
		{"an English sentence", `<p>授權碼 <b>is sent to the client</b></p>`, []string{"is sent to the client"}},
		{"across inline elements", `<p>go <a href="/">back to the</a> overview</p>`, []string{"go back to the overview"}},
		{"terms beside a translation", `<p>授權碼 (authorization code)、狀態參數 (state)</p>`, nil},
		{"code and pre stay English", `<p>見 <code>the code is here now</code></p><pre>HTTP/1.1 200 OK and more</pre>`, nil},
		{"marked translate=no", `<p><span translate="no">OIDC RP-Initiated Logout Section 2</span></p>`, nil},
		{"a specification's name stays English", `<p>（OpenID Connect RP-Initiated Logout）見 OIDC RP-Initiated Logout Section 6。</p>`, nil},
		{"a sentence beside a specification's name", `<p>OIDC Core Section 3.1 says this is English</p>`, []string{"says this is English"}},
		{"marked lang=en", `<ul><li><span lang="en">Access Token (w/ Optional Refresh Token)</span>: 存取權杖</li></ul>`, nil},
		{"blocks do not join", `<table><tr><th>Name Of</th><td>The Demo</td></tr></table>`, nil},
		{"after a kept element closes", `<p><code>x</code> this is English again</p>`, []string{"this is English again"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := englishRuns(tt.page); !slices.Equal(got, tt.want) {
				t.Errorf("englishRuns = %q, want %q", got, tt.want)
			}
		})
	}
}

// templateKeys returns the string literals the templates pass to t and th.
func templateKeys(t *testing.T) []string {
	t.Helper()
	p, err := parsePages(nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, page := range p[i18n.English.Code] {
		keys = append(keys, templatetest.MessageKeys(page, "t", "th")...)
	}
	return keys
}

// TestEveryMessageIsInTheCatalogue fails when a template or a table of
// this package names a message the catalogue lacks: the page would show
// it in English whatever the language.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	keys := templateKeys(t)
	if len(keys) < 50 {
		t.Fatalf("found %d messages in the templates, want them all", len(keys))
	}
	keys = append(keys, figureLabels...)
	for _, docs := range [][]paramDoc{authorizationParams, callbackParams, logoutParams, {requestURIParam}, mcpAuthorizationParams} {
		for _, d := range docs {
			keys = append(keys, d.Meaning)
		}
	}
	for _, c := range idTokenChecks {
		keys = append(keys, c.Rule)
	}
	keys = append(keys, string(xray.Front), string(xray.Back))
	keys = append(keys, goKeys(t)...)
	keys = append(keys, unreachableCauses...)
	keys = slices.AppendSeq(keys, maps.Values(scopeWords))
	for _, rules := range []map[string]errorRule{tokenErrors, authorizationErrors} {
		for _, r := range rules {
			keys = append(append(keys, r.Quote), r.Causes...)
			for _, causes := range r.ByGrant {
				keys = append(keys, causes...)
			}
		}
	}
	keys = slices.AppendSeq(keys, maps.Values(deviceErrors))
	keys = append(keys, deadByCodeReplay, deadByRefreshReuse, deadByRefusedRefresh, noChallengeScope, stateForgeryNote, issMixupNote)
	if len(spaMessages) < 30 {
		t.Errorf("found %d messages in the SPA's script, want them all", len(spaMessages))
	}
	keys = append(keys, spaMessages...)
	for _, at := range attacks {
		keys = append(keys, at.Title, at.Tries, at.Expect)
	}
	for _, key := range keys {
		if !i18n.Known(key) {
			t.Errorf("%q is not in the catalogue", key)
		}
	}
}

// spaTextMemberRE matches a member of a hop or a check that the SPA's
// script gives a plain string where a message belongs: without msg("…")
// scriptMessages does not find it, the page's dictionary lacks it, and t
// shows it in English whatever the language.
var spaTextMemberRE = regexp.MustCompile("\\b(?:title|channel|meaning|rule|checksTitle)\\s*[:=]\\s*[\"'`]")

// TestSPAMarksItsMessages fails when the SPA's script writes a message
// into a hop as a plain string instead of msg("…").
func TestSPAMarksItsMessages(t *testing.T) {
	src, err := templateFS.ReadFile("templates/spa.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range spaTextMemberRE.FindAll(src, -1) {
		t.Errorf("the SPA's script has %q…: a message there must be msg(\"…\"), or its dictionary lacks it", m)
	}
	for _, key := range []string{"front channel", "back channel"} {
		if !slices.Contains(spaMessages, key) {
			t.Errorf("the SPA's dictionary lacks %q: its hops show it in English", key)
		}
	}
}

// textFields are the fields of the views, hops and rules whose string
// values are messages, translated when a page shows them.
var textFields = map[string]bool{"Title": true, "Message": true, "Rule": true, "Note": true, "Unavailable": true,
	"ChecksTitle": true, "Explain": true, "NextLabel": true, "Label": true, "Answer": true, "Text": true}

// textCalls are the functions whose string arguments are messages.
var textCalls = map[string]bool{"T": true, "outcome": true, "tokenOf": true, "tokenRequestError": true, "renderInternalError": true, "stepFailed": true}

// textArgs are the functions one of whose arguments, by index, is a
// message: a page's title, which render translates.
var textArgs = map[string]int{"render": 3, "walkStep": 2}

// goKeys returns the string literals this package's code gives textFields
// and textCalls, a literal concatenation counting as one, and each rule's
// Quoted text, which an error page shows.
func goKeys(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var keys []string
	add := func(e ast.Expr) {
		if s, ok := literal(e); ok && s != "" && !refRE.MatchString(s) {
			keys = append(keys, s)
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if r, ok := ruleLiteral(n); ok && r.Quote != "" {
					keys = append(keys, r.Quoted())
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && textFields[id.Name] {
					add(n.Value)
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok && textFields[sel.Sel.Name] && i < len(n.Rhs) {
						add(n.Rhs[i])
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if textCalls[name] {
					for _, arg := range n.Args {
						add(arg)
					}
				}
				if i, ok := textArgs[name]; ok && i < len(n.Args) {
					add(n.Args[i])
				}
			}
			return true
		})
	}
	return keys
}

// ruleLiteral returns the rule a composite literal of type rule spells with
// string literals.
func ruleLiteral(lit *ast.CompositeLit) (rule, bool) {
	if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "rule" {
		return rule{}, false
	}
	var r rule
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		s, _ := literal(kv.Value)
		switch kv.Key.(*ast.Ident).Name {
		case "Ref":
			r.Ref = xray.Ref(s)
		case "Quote":
			r.Quote = s
		}
	}
	return r, true
}

// refRE matches a reference to a section, which is not a message.
var refRE = regexp.MustCompile(`^(RFC \d+|OIDC [A-Za-z -]+) Section [\d.]+$`)

// literal returns the value of a string literal or a concatenation of them.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		l, ok1 := literal(e.X)
		r, ok2 := literal(e.Y)
		return l + r, ok1 && ok2 && e.Op == token.ADD
	}
	return "", false
}

// switchLanguage posts the language switch as the browser's own page does.
func (h *harness) switchLanguage(code, csrf string) *http.Response {
	h.t.Helper()
	form := url.Values{"lang": {code}, "back": {"/"}, "csrf_token": {csrf}}
	req, _ := http.NewRequest(http.MethodPost, h.client.URL+languagePath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.client.URL)
	resp, err := h.user.Client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// mustBeChinese fails unless page is in Traditional Chinese, with no
// English sentence outside the protocol's own words.
func mustBeChinese(t *testing.T, what, page string) {
	t.Helper()
	if !strings.Contains(page, `<html lang="zh-Hant-TW">`) {
		t.Errorf("%s is not marked zh-Hant-TW:\n%.300s", what, page)
	}
	if runs := englishRuns(page); len(runs) > 0 {
		t.Errorf("%s has English sentences: %q", what, runs)
	}
}

// TestE2EChineseFromFirstPageToLast chooses Traditional Chinese on the
// switch, logs in (ui_locales=zh-TW goes to the provider) and reads every
// page of the login in Chinese, the provider's trace asked for in Chinese.
func TestE2EChineseFromFirstPageToLast(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.spy.mu.Lock()
	h.spy.trace = func(id string) string {
		return `{"request_id": "` + id + `", "outcome": "已簽發權杖", "checks": [{"rule": "授權碼是簽發給這個用戶端的", "ref": "RFC 6749 Section 4.1.3", "passed": true}], "changes": ["授權碼已被用掉", "已建立授權許可 (grant)"]}`
	}
	h.spy.mu.Unlock()
	if resp := h.switchLanguage("zh-TW", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the language switch answered %d, want 303", resp.StatusCode)
	}
	_, home := h.get(h.client.URL + "/")
	mustBeChinese(t, "the home page before login", home)
	mustContain(t, "the home page", home, "授權碼", "資源擁有者", `<button type="submit" name="lang" value="zh-TW" lang="zh-Hant-TW" aria-current="true">繁體中文</button>`)

	resp, _ := h.get(h.client.URL + "/login")
	authURL := h.location(resp, http.StatusFound)
	if got := authURL.Query().Get("ui_locales"); got != "zh-TW" {
		t.Errorf("the authorization request has ui_locales=%q, want zh-TW", got)
	}
	if _, page := h.get(authURL.String()); !strings.Contains(page, `lang="zh-Hant-TW"`) {
		t.Errorf("the provider's login page is not in Traditional Chinese:\n%.300s", page)
	}
	resp, _ = h.get(h.signIn(authURL, "allow").String())
	h.location(resp, http.StatusFound)
	_, home = h.get(h.client.URL + "/")
	mustBeChinese(t, "the home page after login", home)
	mustContain(t, "the walkthrough", home, "已登入", "授權請求 (authorization request)", "存取權杖請求與回應", "授權碼是簽發給這個用戶端的", ">換發新權杖</button>",
		"它改變了什麼：授權碼已被用掉；已建立授權許可 (grant)。")
	h.spy.mu.Lock()
	langs := h.spy.traceLangs
	h.spy.mu.Unlock()
	if len(langs) == 0 || slices.ContainsFunc(langs, func(l string) bool { return l != "zh-TW" }) {
		t.Errorf("the trace requests asked for languages %q, want zh-TW each time", langs)
	}

	// Every other page of the client, logged in: the inspector, the
	// resource, a refresh, the attack lab and an attack, an error page,
	// then the logout.
	_, page := h.get(h.client.URL + "/tokens")
	mustBeChinese(t, "the token inspector", page)
	mustContain(t, "the token inspector", page, "權杖檢視器", "讀取你的電子郵件地址", `"%s ago":"%s前"`)
	_, page = h.get(h.client.URL + "/resource")
	mustBeChinese(t, "the resource page, before the fetch", page)
	_, page = h.fetchResource()
	mustBeChinese(t, "the resource page", page)
	_, page = h.do(http.MethodPost, h.client.URL+"/refresh", url.Values{"csrf_token": {h.csrfToken()}})
	mustBeChinese(t, "the refresh page", page)
	_, page = h.get(h.client.URL + "/attacks")
	mustBeChinese(t, "the attack lab", page)
	for _, attack := range []string{"state-forgery", "token-in-query", "code-replay"} {
		_, page = h.do(http.MethodPost, h.client.URL+"/attacks/"+attack, url.Values{"csrf_token": {h.csrfToken()}})
		mustBeChinese(t, "the attack "+attack, page)
	}
	_, page = h.get(h.client.URL + "/no-such-page")
	mustBeChinese(t, "the error page", page)
	mustContain(t, "the error page", page, "找不到頁面")
	_, page = h.get(h.client.URL + "/callback?code=x&state=forged")
	mustBeChinese(t, "the state mismatch page", page)

	// The logout asks for the provider's logout page in the same language
	// (OIDC RP-Initiated Logout Section 2), and the page after it keeps it.
	resp, _ = h.do(http.MethodPost, h.client.URL+"/logout", url.Values{"csrf_token": {h.csrfToken()}})
	endSession := h.location(resp, http.StatusSeeOther)
	if got := endSession.Query().Get("ui_locales"); got != "zh-TW" {
		t.Errorf("the logout request %s has ui_locales=%q, want zh-TW", endSession, got)
	}
	_, page = h.get(h.confirmLogout(endSession).String())
	mustBeChinese(t, "the page after the provider's end_session_endpoint", page)
	mustContain(t, "the page after the provider's end_session_endpoint", page, "OIDC RP-Initiated Logout Section 6")
	_, page = h.get(h.client.URL + "/")
	mustBeChinese(t, "the home page after the logout", page)
	h.login()

	// Back to English: the choice is remembered in the session, now the login's.
	h.switchLanguage("en", h.csrfToken())
	_, home = h.get(h.client.URL + "/")
	mustContain(t, "the home page in English", home, `<html lang="en">`, "Signed in as", "Access token request and response")
}

// TestE2ELanguageOutlivesTheLogout logs out where the provider has no
// end_session_endpoint, so the session ends at once: the language chosen
// stays, in a new session without the login.
func TestE2ELanguageOutlivesTheLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.app.public.EndSessionEndpoint = ""
	h.switchLanguage("zh-TW", "")
	h.login()
	resp, page := h.do(http.MethodPost, h.client.URL+"/logout", url.Values{"csrf_token": {h.csrfToken()}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /logout: got %d, want 200", resp.StatusCode)
	}
	mustBeChinese(t, "the logout page", page)
	_, page = h.get(h.client.URL + "/")
	mustBeChinese(t, "the home page after the logout", page)
	mustNotContain(t, "the home page after the logout", page, `action="/logout"`)
}

// TestE2EAuthorizationRequestCarriesUILocales checks ui_locales in the
// browser's language, with and without PAR (where it travels in the pushed
// request, shown in the walkthrough).
func TestE2EAuthorizationRequestCarriesUILocales(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	for _, tt := range []struct{ acceptLanguage, want string }{{"", "en"}, {"zh-TW,zh;q=0.9", "zh-TW"}, {"de, en;q=0.5", "en"}} {
		req, _ := http.NewRequest(http.MethodGet, h.client.URL+"/login", nil)
		req.Header.Set("Accept-Language", tt.acceptLanguage)
		resp, err := h.user.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := h.location(resp, http.StatusFound).Query().Get("ui_locales"); got != tt.want {
			t.Errorf("Accept-Language %q: ui_locales=%q, want %q", tt.acceptLanguage, got, tt.want)
		}
	}

	h.switchLanguage("zh-TW", h.csrfToken())
	resp, _ := h.get(h.client.URL + "/login?par=on")
	authURL := h.location(resp, http.StatusFound)
	if authURL.Query().Has("ui_locales") {
		t.Errorf("with PAR the browser's URL %s carries ui_locales; it belongs in the pushed request", authURL)
	}
	resp, _ = h.get(h.signIn(authURL, "allow").String())
	h.location(resp, http.StatusFound)
	_, home := h.get(h.client.URL + "/")
	mustContain(t, "the pushed request on the home page", home, "ui_locales=zh-TW")
}

func TestE2ELanguageSwitch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	post := func(form url.Values, origin, fetchSite string) int {
		req, _ := http.NewRequest(http.MethodPost, h.client.URL+languagePath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if fetchSite != "" {
			req.Header.Set("Sec-Fetch-Site", fetchSite)
		}
		resp, err := h.user.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	zh := url.Values{"lang": {"zh-TW"}, "back": {"/attacks"}}
	steps := []struct {
		name              string
		form              url.Values
		origin, fetchSite string
		want              int
	}{
		{"no session, another site's form: refused", zh, "https://attacker.example", "cross-site", http.StatusForbidden},
		{"no session, no Origin: refused", zh, "", "", http.StatusForbidden},
		{"no session, Origin null: refused", zh, "null", "", http.StatusForbidden},
		{"no session, this site's form (Origin): a session with the choice", zh, h.client.URL, "", http.StatusSeeOther},
		{"a session, no CSRF token: refused", zh, h.client.URL, "", http.StatusForbidden},
		{"an unknown language", url.Values{"lang": {"fr"}, "back": {"/"}}, h.client.URL, "", http.StatusBadRequest},
		{"a page to return to that is not one of the client's", url.Values{"lang": {"en"}, "back": {"https://attacker.example/"}}, h.client.URL, "", http.StatusBadRequest},
	}
	for _, st := range steps {
		if got := post(st.form, st.origin, st.fetchSite); got != st.want {
			t.Errorf("%s: got %d, want %d", st.name, got, st.want)
		}
	}
	_, page := h.get(h.client.URL + "/attacks")
	mustContain(t, "the attack lab after the switch", page, `<html lang="zh-Hant-TW">`)
	en := url.Values{"lang": {"en"}, "back": {"/attacks"}, "csrf_token": {csrfRE.FindStringSubmatch(page)[1]}}
	if got := post(en, "", ""); got != http.StatusSeeOther {
		t.Errorf("a session with its CSRF token: got %d, want 303", got)
	}
	_, page = h.get(h.client.URL + "/attacks")
	mustContain(t, "the attack lab after switching back", page, `<html lang="en">`)

	// A new browser whose page says it is this site's own (Sec-Fetch-Site,
	// as Chromium sends with "Origin: null" under no-referrer).
	h.user.Client.Jar, _ = cookiejar.New(nil)
	if got := post(zh, "null", "same-origin"); got != http.StatusSeeOther {
		t.Errorf("no session, Sec-Fetch-Site same-origin: got %d, want 303", got)
	}
	_, page = h.get(h.client.URL + "/")
	mustContain(t, "the home page of the new browser", page, `<html lang="zh-Hant-TW">`)
}

// TestE2ELanguageSwitchReturnsToThePage: the switch on each page a browser
// can open again returns to that page, where the switch was clicked, and
// the client takes that page back.
func TestE2ELanguageSwitchReturnsToThePage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, providertest.Options{})
	h.switchLanguage("en", "") // a session, so each page's switch carries its CSRF token
	backRE := regexp.MustCompile(`name="back" value="([^"]*)"`)
	for _, path := range []string{"/", "/tokens", "/attacks", machinePath, mcpPath, devicePath} {
		_, page := h.get(h.client.URL + path)
		m := backRE.FindStringSubmatch(page)
		if m == nil || m[1] != path {
			t.Errorf("the language switch on %s returns to %v, want %s", path, m, path)
			continue
		}
		form := url.Values{"lang": {"zh-TW"}, "back": {path}, "csrf_token": {csrfRE.FindStringSubmatch(page)[1]}}
		resp, _ := h.do(http.MethodPost, h.client.URL+languagePath, form)
		if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || loc.Path != path {
			t.Errorf("switching on %s: got %d to %v, want 303 to %s", path, resp.StatusCode, loc, path)
		}
	}
}
