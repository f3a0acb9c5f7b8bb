package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// getIn fetches a URL with an Accept-Language header ("" for none).
func (b *browser) getIn(u, acceptLanguage string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return resp, providertest.ReadBody(b.t, resp)
}

// Marks of a page in each language.
const (
	htmlLangZH       = `<html lang="zh-Hant-TW">`
	htmlLangEN       = `<html lang="en">`
	consentTitleZH   = "想要存取你的帳號"
	consentTitleEN   = "wants to access your account"
	wrongPasswordZH  = "使用者名稱或密碼錯誤。"
	scopeExplainedZH = "讀取你受保護的資源 (protected resource)。"
)

// wantPageIn checks a page's <html lang> and a sentence of its language.
func wantPageIn(t *testing.T, what, page, lang, sentence string) {
	t.Helper()
	if !strings.Contains(page, lang) || !strings.Contains(page, sentence) {
		t.Errorf("%s: want %s with %q, got:\n%.600s", what, lang, sentence, page)
	}
}

// TestE2EUILocalesLanguageOfTheFlow: the authorization request's ui_locales
// chooses the language of the login and consent page, and the choice
// survives the whole flow: the form shown again after a wrong password,
// prompt=login, a pushed request and the error page of a request
// ([OIDC Core Section 3.1.2.1]).
func TestE2EUILocalesLanguageOfTheFlow(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
		verifier := oauth2.GenerateVerifier()
		zhTW := oauth2.SetAuthURLParam("ui_locales", "fr zh-TW en")

		t.Run("ui_locales=zh-TW: the login and consent page in Chinese, the form shown again too", func(t *testing.T) {
			b := newBrowser(t)
			resp, page := b.getIn(cfg.AuthCodeURL("s1", zhTW, oauth2.S256ChallengeOption(verifier)), "en")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET authorize: got %d, want 200: %s", resp.StatusCode, page)
			}
			wantPageIn(t, "consent page", page, htmlLangZH, consentTitleZH)
			wantPageIn(t, "consent page", page, htmlLangZH, scopeExplainedZH)
			form := providertest.FormFields(page)
			if form.Get("ui_locales") != "fr zh-TW en" {
				t.Errorf("the form carries ui_locales %q, want it on", form.Get("ui_locales"))
			}
			form.Set("username", providertest.DemoUsername)
			form.Set("password", "wrong")
			resp, page = b.PostForm(srv.URL+"/oauth/authenticate", form)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("wrong password: got %d, want 400", resp.StatusCode)
			}
			wantPageIn(t, "form shown again", page, htmlLangZH, wrongPasswordZH)
			form.Set("password", providertest.DemoPassword)
			form.Set("decision", "allow")
			resp, page = b.PostForm(srv.URL+"/oauth/authenticate", form)
			if code := providertest.RedirectOf(t, resp, page).Query().Get("code"); code == "" {
				t.Fatal("no code after allowing in Chinese")
			}
			// prompt=login: signed in, the password is asked again, in Chinese.
			resp, page = b.Get(cfg.AuthCodeURL("s2", zhTW, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
			if resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
				t.Fatalf("prompt=login: got %d, want the password form", resp.StatusCode)
			}
			wantPageIn(t, "prompt=login", page, htmlLangZH, consentTitleZH)
		})

		t.Run("through PAR: ui_locales pushed with the request (RFC 9126)", func(t *testing.T) {
			form := pushedDemoRequest(verifier)
			form.Set("ui_locales", "zh-TW")
			requestURI := pushOK(t, srv, form, demoBasic)
			b := newBrowser(t)
			resp, page := b.Get(parAuthorizeURL(srv, "testclient", requestURI))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET authorize with request_uri: got %d: %s", resp.StatusCode, page)
			}
			wantPageIn(t, "pushed request's consent page", page, htmlLangZH, consentTitleZH)
			fields := providertest.FormFields(page)
			fields.Set("username", providertest.DemoUsername)
			fields.Set("password", "wrong")
			_, page = b.PostForm(srv.URL+"/oauth/authenticate", fields)
			wantPageIn(t, "pushed request's form shown again", page, htmlLangZH, wrongPasswordZH)
		})

		t.Run("Accept-Language without ui_locales; ui_locales first; English by default", func(t *testing.T) {
			authURL := cfg.AuthCodeURL("s3", oauth2.S256ChallengeOption(verifier))
			for _, tc := range []struct{ name, url, acceptLanguage, lang, sentence string }{
				{"Accept-Language zh-TW", authURL, "zh-TW,zh;q=0.9,en;q=0.8", htmlLangZH, consentTitleZH},
				{"ui_locales=en wins over Accept-Language", authURL + "&ui_locales=en", "zh-TW", htmlLangEN, consentTitleEN},
				{"no preference: English", authURL, "", htmlLangEN, consentTitleEN},
				{"fr: English", authURL + "&ui_locales=fr", "fr-FR", htmlLangEN, consentTitleEN},
				{"garbage ui_locales is no error", authURL + "&ui_locales=" + url.QueryEscape(strings.Repeat("%% ", 500)), "zh-TW", htmlLangZH, consentTitleZH},
			} {
				resp, page := newBrowser(t).getIn(tc.url, tc.acceptLanguage)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: got %d, want 200", tc.name, resp.StatusCode)
				}
				wantPageIn(t, tc.name, page, tc.lang, tc.sentence)
			}
		})

		t.Run("RP-initiated logout: ui_locales chooses the confirmation and the result (OIDC RP-Initiated Logout Section 2)", func(t *testing.T) {
			b := newBrowser(t)
			resp, page := b.getIn(srv.URL+"/oauth/logout?client_id=testclient&ui_locales=zh-TW", "en")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /oauth/logout: got %d: %s", resp.StatusCode, page)
			}
			wantPageIn(t, "logout confirmation", page, htmlLangZH, "要登出這個授權伺服器嗎？")
			form := providertest.FormFields(page)
			if form.Get("ui_locales") != "zh-TW" {
				t.Errorf("the confirmation form carries ui_locales %q, want zh-TW", form.Get("ui_locales"))
			}
			form.Set("decision", "stay")
			_, page = b.PostForm(srv.URL+"/oauth/logout", form)
			wantPageIn(t, "stayed", page, htmlLangZH, "你取消了：你在這裡仍然沒有登入。")
		})

		t.Run("the error page of a ui_locales=zh-TW request is in Chinese; the error stays the protocol's", func(t *testing.T) {
			bad := srv.URL + "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {"testclient"},
				"redirect_uri": {"http://localhost:3000/elsewhere"}, "ui_locales": {"zh-TW"}}.Encode()
			resp, page := newBrowser(t).Get(bad)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("got %d, want 400", resp.StatusCode)
			}
			wantPageIn(t, "error page", page, htmlLangZH, "無法處理這個請求")
			wantPageIn(t, "error page", page, htmlLangZH, "請確認：redirect_uri 與用戶端 (client) 註冊的其中一個完全相符。")
			wantPageIn(t, "error page", page, htmlLangZH, "<code>invalid_request</code>: <span lang=\"en\">redirect_uri is not registered for this client</span>")
		})
	})
}

// TestE2EOtherPagesFollowAcceptLanguage: the pages outside an authorization
// request follow Accept-Language.
func TestE2EOtherPagesFollowAcceptLanguage(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	for _, tc := range []struct{ path, zh, en string }{
		{"/", "授權伺服器 (authorization server) 正在運作", "The authorization server is running"},
		{"/device", "請輸入裝置上顯示的代碼 (user code)。", "Enter the code shown on your device."},
		{"/oauth/logout", "要登出這個授權伺服器嗎？", "Sign out of this provider?"},
	} {
		b := newBrowser(t)
		_, page := b.getIn(srv.URL+tc.path, "zh-TW")
		wantPageIn(t, tc.path+" in zh-TW", page, htmlLangZH, tc.zh)
		resp, page := b.getIn(srv.URL+tc.path, "en-US")
		wantPageIn(t, tc.path+" in en", page, htmlLangEN, tc.en)
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Language") {
			t.Errorf("%s: Vary %q, want Accept-Language", tc.path, resp.Header.Values("Vary"))
		}
	}
}

// TestE2EDeviceFormRefusalsInTheReadersLanguage: a POST to /device whose
// body is not a form, too large or badly encoded shows the code entry
// page again with the refusal in the page's language, not the English
// error_description.
func TestE2EDeviceFormRefusalsInTheReadersLanguage(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		b := newBrowser(t)
		_, page := b.Get(srv.URL + "/device")
		csrf := "csrf_token=" + providertest.FormFields(page).Get("csrf_token")
		for _, tc := range []struct{ name, contentType, body, zh, en, description string }{
			{"a JSON body", "application/json", "{}", "這個請求不是表單 (application/x-www-form-urlencoded)。",
				"The request was not a form (application/x-www-form-urlencoded).", "the body must be application/x-www-form-urlencoded"},
			{"a 2 MB body", formCT, csrf + "&x=" + strings.Repeat("a", bigBody), "表單太大。",
				"The form was too large.", "the request body is too large"},
			{"bad percent-encoding", formCT, csrf + "&user_code=%zz", "表單的編碼無效。",
				"The form&#39;s encoding was not valid.", "the request body is not a valid form"},
		} {
			for _, lang := range []struct{ accept, htmlLang, sentence string }{{"zh-TW", htmlLangZH, tc.zh}, {"en", htmlLangEN, tc.en}} {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/device", strings.NewReader(tc.body))
				req.Header.Set("Content-Type", tc.contentType)
				req.Header.Set("Accept-Language", lang.accept)
				resp, err := b.Client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				page := providertest.ReadBody(t, resp)
				what := tc.name + " in " + lang.accept
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: got %d, want 400", what, resp.StatusCode)
				}
				wantPageIn(t, what, page, lang.htmlLang, lang.sentence)
				if strings.Contains(page, tc.description) {
					t.Errorf("%s: the page shows the error_description %q:\n%.600s", what, tc.description, page)
				}
			}
		}
	})
}

// TestE2EDiscoveryListsUILocales: ui_locales_supported
// ([OIDC Discovery Section 3]).
func TestE2EDiscoveryListsUILocales(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		_, body := callResource(t, srv.URL+path, "")
		var m struct {
			UILocalesSupported []string `json:"ui_locales_supported"`
		}
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		if strings.Join(m.UILocalesSupported, " ") != "en zh-TW" {
			t.Errorf("%s: ui_locales_supported %v, want [en zh-TW]", path, m.UILocalesSupported)
		}
	}
}

// TestE2ETraceInTheReadersLanguage: /debug/trace answers with rule texts and
// phrases in the language of Accept-Language; field names, refs and error
// codes stay as they are.
func TestE2ETraceInTheReadersLanguage(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, _ := rawPost(t, srv.URL+"/oauth/par", pushedDemoRequest(oauth2.GenerateVerifier()).Encode(), basic("testclient", "testsecret"))
	ok := resp.Header.Get("X-Request-Id")
	resp, _ = rawPost(t, srv.URL+"/oauth/token", "grant_type=authorization_code&code=nope", basic("testclient", "testsecret"))
	refused := resp.Header.Get("X-Request-Id")
	b := newBrowser(t)
	read := func(id, acceptLanguage string) trace {
		t.Helper()
		resp, body := b.getIn(srv.URL+"/debug/trace/"+id, acceptLanguage)
		var tr trace
		if err := json.Unmarshal([]byte(body), &tr); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /debug/trace/%s: %d %s", id, resp.StatusCode, body)
		}
		return tr
	}
	en, zh := read(ok, ""), read(ok, "zh-TW")
	if len(en.Checks) == 0 || len(zh.Checks) != len(en.Checks) {
		t.Fatalf("checks: en %d, zh-TW %d", len(en.Checks), len(zh.Checks))
	}
	for i := range en.Checks {
		if zh.Checks[i].Ref != en.Checks[i].Ref || zh.Checks[i].Passed != en.Checks[i].Passed {
			t.Errorf("check %d: ref or outcome differ: %+v vs %+v", i, zh.Checks[i], en.Checks[i])
		}
		if zh.Checks[i].Rule == en.Checks[i].Rule || !strings.ContainsFunc(zh.Checks[i].Rule, isHan) {
			t.Errorf("check %d in zh-TW: %q, want it translated from %q", i, zh.Checks[i].Rule, en.Checks[i].Rule)
		}
	}
	if zh.Outcome != "已簽發 request_uri" || en.Outcome != "request_uri issued" {
		t.Errorf("outcome: zh-TW %q, en %q", zh.Outcome, en.Outcome)
	}
	if len(zh.Changes) == 0 || !strings.ContainsFunc(zh.Changes[0], isHan) {
		t.Errorf("changes in zh-TW: %q", zh.Changes)
	}
	if got := read(refused, "zh-TW"); got.Outcome != "invalid_grant" {
		t.Errorf("a refused request's outcome in zh-TW: %q, want the error code invalid_grant", got.Outcome)
	}
	_, page := b.Get(demoConfig(srv, oauth2.AuthStyleInHeader, "read").AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	form := providertest.FormFields(page)
	form.Set("username", providertest.DemoUsername)
	form.Set("password", "wrong")
	resp, _ = b.PostForm(srv.URL+"/oauth/authenticate", form)
	if got := read(resp.Header.Get("X-Request-Id"), "zh-TW"); got.Outcome != "再次顯示登入與同意頁面：使用者名稱或密碼錯誤。" {
		t.Errorf("the outcome of a form shown again, in zh-TW: %q", got.Outcome)
	}
}

func isHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }
