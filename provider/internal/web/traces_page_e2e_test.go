package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// getPage fetches u with header and returns the answer and its body.
func getPage(t *testing.T, u string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// listedTraces are the X-Request-Ids of the traces a traces page lists, in its order.
func listedTraces(page string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`X-Request-Id <code>([A-Z0-9]+)</code>`).FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestE2ETracesPage checks GET /debug/traces, on both stores: the newest
// traces first, a refused request open with the rule it failed marked and
// linked to its section, no secret, code or token on the page, the
// client_id filter, request_id opening one trace, escaping of what came from requests, the page in
// zh-TW, and the link from the home page.
func TestE2ETracesPage(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		okResp, okBody := rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials&scope=read", basic("testclient", "testsecret"))
		var issued struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal([]byte(okBody), &issued); err != nil || issued.AccessToken == "" {
			t.Fatalf("client credentials: %d %s", okResp.StatusCode, okBody)
		}
		const code, verifier = "bogus-code-Zq81", "verifier-verifier-verifier-verifier-verifier-Zq81"
		badResp, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=authorization_code&code="+code+
			"&redirect_uri="+url.QueryEscape(demoRedirectURI)+"&code_verifier="+verifier, basic("testclient", "testsecret"))
		if badResp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a bogus code: got %d, want 400", badResp.StatusCode)
		}
		xss, _ := callResource(t, srv.URL+"/protected/resource?<script>alert(1)</script>", "not-a-token-<b>")
		revoked, _ := rawPost(t, srv.URL+"/oauth/revoke", "token="+issued.AccessToken, basic("testclient", "testsecret"))

		resp, page := getPage(t, srv.URL+"/debug/traces", nil)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET /debug/traces: %d, Content-Type %q, Cache-Control %q, CSP %q; want an HTML page, no-store, with a CSP",
				resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Security-Policy"))
		}
		want := []string{revoked.Header.Get("X-Request-Id"), xss.Header.Get("X-Request-Id"), badResp.Header.Get("X-Request-Id"), okResp.Header.Get("X-Request-Id")}
		if got := listedTraces(page); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("listed traces: got %v, want the four requests newest first %v", got, want)
		}
		failed := `<li class="fail"><span class="mark" aria-hidden="true">✗</span><span class="sr-only">failed: </span>` +
			`the authorization code is one this server issued (expired codes are forgotten once purged) ` +
			`(<a href="https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3" translate="no">RFC 6749 Section 4.1.3</a>)</li>`
		if !strings.Contains(page, failed) {
			t.Errorf("the refused exchange's failed rule is not shown, marked and linked:\n%s", page)
		}
		formBody := `(<a href="https://www.rfc-editor.org/rfc/rfc6749#appendix-B" translate="no">RFC 6749 Appendix B</a>)`
		if !strings.Contains(page, formBody) {
			t.Errorf("the form body's rule is not linked to the appendix that defines the format:\n%s", page)
		}
		if !strings.Contains(page, `class="trace refused" open>`) || !strings.Contains(page, "Changed: access token revoked") {
			t.Errorf("want the refused requests open and the revocation's change listed:\n%s", page)
		}
		for _, secret := range []string{"testsecret", code, verifier, issued.AccessToken, "<script>", "<b>"} {
			if strings.Contains(page, secret) {
				t.Errorf("the page holds %q", secret)
			}
		}

		_, mine := getPage(t, srv.URL+"/debug/traces?client_id=testclient", nil)
		if got := listedTraces(mine); len(got) != 3 {
			t.Errorf("?client_id=testclient: listed %v, want its two token requests and its revocation", got)
		}
		okID := okResp.Header.Get("X-Request-Id")
		if strings.Contains(mine, `<details id="trace-`+okID+`" class="trace" open>`) {
			t.Errorf("the token request's trace is open without being asked for:\n%s", mine)
		}
		if _, opened := getPage(t, srv.URL+"/debug/traces?client_id=testclient&request_id="+okID, nil); !strings.Contains(opened, `<details id="trace-`+okID+`" class="trace" open>`) {
			t.Errorf("?request_id=%s: its trace is not open:\n%s", okID, opened)
		}
		_, other := getPage(t, srv.URL+"/debug/traces?client_id="+url.QueryEscape(`"><i>x`), nil)
		if len(listedTraces(other)) != 0 || !strings.Contains(other, "No request of this client") || strings.Contains(other, "<i>x") {
			t.Errorf("an unknown client_id: want no trace, the sentence saying so, and the value escaped:\n%s", other)
		}

		_, zh := getPage(t, srv.URL+"/debug/traces", map[string]string{"Accept-Language": "zh-TW"})
		if !strings.Contains(zh, htmlLangZH) || !strings.Contains(zh, "授權伺服器檢查了什麼") || !strings.Contains(zh, "未通過：") || !strings.Contains(zh, "授權碼 (authorization code) 是本伺服器簽發的") {
			t.Errorf("the page in zh-TW lacks its title, its marks or the failed rule in Chinese:\n%s", zh)
		}
		if _, home := getPage(t, srv.URL+"/", nil); !strings.Contains(home, `href="/debug/traces"`) {
			t.Error("the home page does not link the traces in teaching mode")
		}
	})
}

// TestE2ETracesPageMarksEveryRefusal: a request refused by a redirect
// with error= (the authorization endpoint's usual answer to a refusal,
// RFC 6749 Section 4.1.2.1) is marked refused on the traces page, and
// open, as an error status is, and its JSON says "refused": true; the
// code entry form shown again with its error has an outcome that says so,
// in the reader's language. On both stores.
func TestE2ETracesPageMarksEveryRefusal(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		b := newBrowser(t)
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		resp, page := b.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		resp, page = b.Decide(resp, page, "deny")
		if loc := providertest.RedirectOf(t, resp, page); loc.Query().Get("error") != "access_denied" {
			t.Fatalf("deny: got %s, want a redirect with error=access_denied", loc)
		}
		denied := resp.Header.Get("X-Request-Id")
		resp, page = b.Get(srv.URL + "/device")
		form := providertest.FormFields(page)
		form.Set("user_code", "BCDF-GHJK")
		if resp, page = b.Submit(resp, page, form); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("an unknown user code: got %d, want 400:\n%s", resp.StatusCode, page)
		}
		wrongCode := resp.Header.Get("X-Request-Id")

		_, list := getPage(t, srv.URL+"/debug/traces", nil)
		for _, id := range []string{denied, wrongCode} {
			if !strings.Contains(list, `<details id="trace-`+id+`" class="trace refused" open>`) {
				t.Errorf("the trace %s is not marked refused and open:\n%s", id, list)
			}
		}
		if !strings.Contains(list, "· code entry form shown again: That code is not valid.") {
			t.Errorf("the unknown user code's outcome does not say the form was shown again with its error:\n%s", list)
		}
		var got struct{ Refused bool }
		if getJSON(t, srv.URL+"/debug/trace/"+denied, &got); !got.Refused {
			t.Errorf("the trace of the denied request: refused false, want true")
		}
		_, zh := getPage(t, srv.URL+"/debug/traces", map[string]string{"Accept-Language": "zh-TW"})
		if !strings.Contains(zh, "· 再次顯示輸入代碼的表單：這個代碼無效。") {
			t.Errorf("the outcome of the unknown user code is not translated:\n%s", zh)
		}
	})
}

// listedTracesMax is how many traces the page lists at most (README, "Traces").
const listedTracesMax = 50

// TestE2ETracesPageBounded checks that the page lists at most
// listedTracesMax traces, and that with teaching mode off there is no page
// and no link to it.
func TestE2ETracesPageBounded(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	for range listedTracesMax + 5 {
		callResource(t, srv.URL+"/protected/resource", "garbage")
	}
	if _, page := getPage(t, srv.URL+"/debug/traces", nil); len(listedTraces(page)) != listedTracesMax {
		t.Errorf("listed %d traces, want %d", len(listedTraces(page)), listedTracesMax)
	}

	off := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.TeachingMode = config.TeachingOff }})
	if resp, _ := getPage(t, off.URL+"/debug/traces", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("teaching mode off: got %d, want 404", resp.StatusCode)
	}
	if _, home := getPage(t, off.URL+"/", nil); strings.Contains(home, "/debug/traces") {
		t.Error("teaching mode off: the home page links the traces")
	}
}

// TestE2ETracesPageKeepsTheAskedTrace: "?request_id=" shows the trace it
// asks for, open and marked, while it is kept, even once more than
// listedTracesMax newer traces push it off the list (a device flow's
// polling does, in minutes); and an id whose trace is not kept is said to
// be so, rather than a page without it.
func TestE2ETracesPageKeepsTheAskedTrace(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	asked, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=authorization_code&code=bogus&redirect_uri="+url.QueryEscape(demoRedirectURI), basic("testclient", "testsecret"))
	id := asked.Header.Get("X-Request-Id")
	for range listedTracesMax + 10 {
		rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials&scope=read", basic("testclient", "testsecret"))
	}
	for _, query := range []string{"?request_id=" + id, "?client_id=testclient&request_id=" + id} {
		_, page := getPage(t, srv.URL+"/debug/traces"+query, nil)
		got := listedTraces(page)
		if len(got) != listedTracesMax+1 || got[0] != id || !strings.Contains(page, `<details id="trace-`+id+`" class="trace refused" open>`) ||
			!strings.Contains(page, "the request asked for") {
			t.Errorf("%s, after %d newer traces: listed %d traces starting with %v, want %s first, open and marked, then the newest %d",
				query, listedTracesMax+10, len(got), got[:min(len(got), 1)], id, listedTracesMax)
		}
		if strings.Contains(page, "No trace is kept") {
			t.Errorf("%s: the page says the kept trace is not kept", query)
		}
	}
	_, page := getPage(t, srv.URL+"/debug/traces?request_id=NOSUCHID", nil)
	if got := listedTraces(page); len(got) != listedTracesMax || !strings.Contains(page, "No trace is kept for the request <code>NOSUCHID</code>") ||
		!strings.Contains(page, "the newest 1,024 for 15 minutes.") {
		t.Errorf("an id with no trace kept: listed %d traces, want %d and the sentence saying it is not kept, and which are (README, \"Traces\"): the newest 1,024 for 15 minutes:\n%s",
			len(got), listedTracesMax, page)
	}
	if _, zh := getPage(t, srv.URL+"/debug/traces?request_id=NOSUCHID", map[string]string{"Accept-Language": "zh-TW"}); !strings.Contains(zh, "只保留最新的 1,024 筆、15 分鐘") {
		t.Errorf("an id with no trace kept, in zh-TW: want the sentence saying which are kept, the newest 1,024 for 15 minutes:\n%s", zh)
	}
	// "?client_id=" keeps one client's requests (README, "Traces"): the
	// trace asked for, another client's, is not listed, and the page says whose it is.
	_, page = getPage(t, srv.URL+"/debug/traces?client_id=spa-client&request_id="+id, nil)
	if got := listedTraces(page); slices.Contains(got, id) || !strings.Contains(page, "is not one of <code>spa-client</code>'s but of <code>testclient</code>'s") ||
		strings.Contains(page, "No trace is kept") {
		t.Errorf("another client's trace asked for under ?client_id=spa-client: listed %v, want it left out and the page saying whose it is:\n%s", got, page)
	}
	// A request that named no client (a bearer token that is no token) is
	// no client's: the page says so with a dash.
	unnamed, _ := callResource(t, srv.URL+"/protected/resource", "garbage")
	_, page = getPage(t, srv.URL+"/debug/traces?client_id=testclient&request_id="+unnamed.Header.Get("X-Request-Id"), nil)
	if !strings.Contains(page, "is not one of <code>testclient</code>'s but of <code>—</code>'s") {
		t.Errorf("a trace of no client asked for under ?client_id=testclient: want the page saying it is of —:\n%s", page)
	}
}
