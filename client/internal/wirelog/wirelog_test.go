package wirelog

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/client/internal/tokenview"
)

const (
	accessToken  = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyMSJ9.SECRETSIGNATUREacc1"
	refreshToken = "rt_abcSECRETREFRESHTOKENVALUE_0123456789abcdef"
	idToken      = "eyJhbGciOiJSUzI1NiJ9.eyJub25jZSI6Im4ifQ.SECRETSIGNATUREid01"
)

// tokenServer answers like a token endpoint and remembers the body it got.
func tokenServer(t *testing.T, gotBody *string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, `{"access_token":"`+accessToken+`","token_type":"Bearer","expires_in":3600,`+
			`"refresh_token":"`+refreshToken+`","id_token":"`+idToken+`","scope":"openid read"}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTransportMasksSecretsAndPassesBodiesThrough(t *testing.T) {
	var serverGot string
	srv := tokenServer(t, &serverGot)
	log := NewLog(10)
	client := &http.Client{Transport: &Transport{Log: log}}

	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {"aaaaaaSECRETCODE0123456789abcdefghij"},
		"code_verifier": {"SECRETVERIFIER0123456789abcdefghijklmnopqrstu"},
		"client_secret": {"testsecret"},
		"redirect_uri":  {"http://localhost:3000/callback"},
	}.Encode()
	req, _ := http.NewRequest("POST", srv.URL+"/oauth/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("testclient", "testsecret")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	if serverGot != form {
		t.Errorf("server got body %q, want %q", serverGot, form)
	}
	if !strings.Contains(string(body), refreshToken) {
		t.Errorf("caller got body %q, want the full token response", body)
	}
	entries := log.Entries()
	if len(entries) != 1 {
		t.Fatalf("got %d exchanges, want 1", len(entries))
	}
	e := entries[0]
	shown := e.URL + e.RequestBody + e.ResponseBody + strings.Join(values(e.RequestHeader), " ")
	for _, secret := range []string{"SECRET", "testsecret", "dGVzdGNsaWVudDp0ZXN0c2VjcmV0"} {
		if strings.Contains(shown, secret) {
			t.Errorf("exchange shows %q:\n%s", secret, shown)
		}
	}
	for _, want := range []string{"grant_type=authorization_code", "redirect_uri=http://localhost:3000/callback", `"token_type": "Bearer"`, "eyJhbG…"} {
		if !strings.Contains(shown, want) {
			t.Errorf("exchange does not show %q:\n%s", want, shown)
		}
	}
	if got, want := e.RequestHeader["Authorization"], "Basic base64(testclient:••••••)"; got != want {
		t.Errorf("Authorization shown as %q, want %q", got, want)
	}
	if e.Status != 200 || e.ResponseHeader["Cache-Control"] != "no-store" {
		t.Errorf("status %d, headers %v; want 200 and Cache-Control", e.Status, e.ResponseHeader)
	}
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestTransportUsesTheContextLog(t *testing.T) {
	var got string
	srv := tokenServer(t, &got)
	fallback, mine := NewLog(10), NewLog(10)
	client := &http.Client{Transport: &Transport{Log: fallback}}

	req, _ := http.NewRequestWithContext(NewContext(context.Background(), mine), "GET", srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(mine.Entries()) != 1 || len(fallback.Entries()) != 0 {
		t.Errorf("context log has %d, fallback %d; want 1 and 0", len(mine.Entries()), len(fallback.Entries()))
	}
}

func TestTransportWithoutLogRecordsNothing(t *testing.T) {
	var got string
	srv := tokenServer(t, &got)
	client := &http.Client{Transport: &Transport{}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestTransportRecordsErrors(t *testing.T) {
	log := NewLog(2)
	client := &http.Client{Transport: &Transport{Log: log}}
	if _, err := client.Get("http://127.0.0.1:1/"); err == nil {
		t.Fatal("want a connection error")
	}
	if e := log.Entries(); len(e) != 1 || e[0].Err == "" || e[0].Status != 0 {
		t.Errorf("got %+v, want one exchange with Err set", e)
	}
}

func TestLogKeepsTheLastEntries(t *testing.T) {
	log := NewLog(3)
	for _, m := range []string{"1", "2", "3", "4", "5"} {
		log.Add(Exchange{Method: m})
	}
	var got []string
	for _, e := range log.Entries() {
		got = append(got, e.Method)
	}
	if strings.Join(got, ",") != "3,4,5" {
		t.Errorf("got %v, want [3 4 5]", got)
	}
}

func TestMaskBody(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want, notWant           string
	}{
		{"revocation token parameter is masked (RFC 7009 Section 2.1)", "application/x-www-form-urlencoded",
			"token=" + refreshToken + "&token_type_hint=refresh_token", "token_type_hint=refresh_token", "SECRET"},
		{"device_code is masked (RFC 8628 Section 3.4)", "application/x-www-form-urlencoded; charset=utf-8",
			"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dddddddSECRETDEVICECODE012345678", "grant_type=urn:ietf:params:oauth:grant-type:device_code", "SECRET"},
		{"nested JSON members are masked", "application/json",
			`{"outer":{"access_token":"` + accessToken + `"},"list":[{"password":"SECRETpw"}]}`, `"outer"`, "SECRET"},
		{"JSON without a JSON content type is still masked", "text/plain",
			`{"id_token":"` + idToken + `"}`, "eyJhbG…", "SECRET"},
		{"unparseable JSON is not shown", "application/json",
			`{"access_token":"` + accessToken, "not shown", "SECRET"},
		{"OAuth errors are shown", "application/json",
			`{"error":"invalid_grant","error_description":"code already used"}`, "invalid_grant", ""},
		{"HTML is shown", "text/html", "<p>This page is secured.</p>", "This page is secured.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maskBody(tt.contentType, []byte(tt.body))
			if !strings.Contains(got, tt.want) || (tt.notWant != "" && strings.Contains(got, tt.notWant)) {
				t.Errorf("maskBody = %q, want it to contain %q and not %q", got, tt.want, tt.notWant)
			}
		})
	}
}

// TestMaskJSONKeepsTheWireOrder: a JSON body is shown as it came, indented
// and masked: its members in their order (not sorted), numbers as written,
// no escaping added, a token in an array masked by its member's name.
func TestMaskJSONKeepsTheWireOrder(t *testing.T) {
	body := `{"token_type":"DPoP","access_token":"` + accessToken + `","expires_in":3600.0,"scope":"a<b",` +
		`"aud":["z","a"],"refresh_tokens":null,"token":["` + refreshToken + `"],"ok":true}`
	got, err := maskJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "token_type": "DPoP",
  "access_token": "eyJhbG…acc1",
  "expires_in": 3600.0,
  "scope": "a<b",
  "aud": [
    "z",
    "a"
  ],
  "refresh_tokens": null,
  "token": [
    "` + tokenview.Mask(refreshToken) + `"
  ],
  "ok": true
}`
	if got != want {
		t.Errorf("maskJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestMaskURLAndAuthorization(t *testing.T) {
	u, _ := url.Parse("http://user:pass@localhost:8080/cb?code=aaaaaaSECRETCODE0123456789abcdefgh&state=xyz")
	if got := MaskURL(u); strings.Contains(got, "SECRET") || strings.Contains(got, "pass") || !strings.Contains(got, "state=xyz") {
		t.Errorf("MaskURL = %q", got)
	}
	for in, want := range map[string]string{
		"Bearer " + accessToken: "Bearer eyJhbG…acc1",
		"Basic bm9jb2xvbg==":    "Basic ••••••",
		"DPoP " + accessToken:   "DPoP eyJhbG…acc1",
	} {
		if got := maskAuthorization(in); got != want {
			t.Errorf("maskAuthorization(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzMaskBody(f *testing.F) {
	f.Add("application/json", `{"a":[1,{"token":"x"}]}`)
	f.Add("application/x-www-form-urlencoded", "a=%zz&code=1")
	f.Fuzz(func(t *testing.T, ct, body string) {
		_ = maskBody(ct, []byte(body))
	})
}

func TestBodyText(t *testing.T) {
	page := `<!doctype html><html><head><title>T</title><style>body { color: red }</style></head>
<body><main><h1>Protected resource</h1>
<p>This page is secured.</p><script>var x = 1;</script>
<p class="note">Token for <code>user1</code>,
  scope <code>read</code>.</p></main></body></html>`
	got := BodyText("text/html; charset=utf-8", []byte(page))
	want := "Protected resource\nThis page is secured.\nToken for user1, scope read."
	if got != want {
		t.Errorf("BodyText(html) = %q, want %q", got, want)
	}
	if got := BodyText("application/json", []byte(`{"id":"user1"}`)); got != "{\n  \"id\": \"user1\"\n}" {
		t.Errorf("BodyText(json) = %q", got)
	}
	if got := BodyText("text/plain", []byte("  hi  \n")); got != "hi" {
		t.Errorf("BodyText(text) = %q", got)
	}
}

func TestTransportKeepsRequestIDAndSkipsUnrecorded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "REQ"+r.URL.Path[1:])
	}))
	t.Cleanup(srv.Close)
	fallback, perSession := NewLog(10), NewLog(10)
	client := &http.Client{Transport: &Transport{Log: fallback}}
	get := func(ctx context.Context, path string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get(NewContext(context.Background(), perSession), "/1")
	get(Unrecorded(context.Background()), "/2")
	get(Unrecorded(NewContext(context.Background(), perSession)), "/3")
	if got := perSession.Entries(); len(got) != 1 || got[0].RequestID != "REQ1" || got[0].ResponseHeader["X-Request-Id"] != "REQ1" {
		t.Errorf("the session log holds %+v, want the one recorded exchange with RequestID REQ1", got)
	}
	if got := fallback.Entries(); len(got) != 0 {
		t.Errorf("the fallback log holds %d exchanges made with an Unrecorded context, want 0", len(got))
	}
}

// TestMaskJSONOfDeepBodyIsLinear: a body nested thousands deep (a hostile
// provider's metadata or JWKS) is shown compact, with a note, in output
// about as long as the body: indented, 18 KB of brackets took 160 MB on
// every render of the home page.
func TestMaskJSONOfDeepBodyIsLinear(t *testing.T) {
	for _, depth := range []int{1000, 9000} {
		body := `{"access_token":"` + accessToken + `","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
		got := maskBody("application/json", []byte(body))
		if len(got) > 2*len(body) || !strings.Contains(got, "not indented") || strings.Contains(got, accessToken) {
			t.Errorf("depth %d: a %d-byte body shown as %d bytes: %.100q…; want at most twice as many, masked, with a note", depth, len(body), len(got), got)
		}
	}
}

// TestTransportShortensHeaders: a response header is recorded cut to 1 KB
// (Shorten), as a parameter's value is: a resource's 9 MB WWW-Authenticate
// was copied whole into the log, and so onto the error page. The
// X-Request-Id kept as the hop's request id is cut alike: a session keeps
// it.
func TestTransportShortensHeaders(t *testing.T) {
	challenge := "Bearer" + strings.Repeat(" a", 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", challenge)
		w.Header().Set("X-Request-Id", challenge)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	log := NewLog(1)
	client := &http.Client{Transport: &Transport{Log: log}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("WWW-Authenticate") != challenge {
		t.Error("the caller did not get the header as sent")
	}
	if got := log.Entries()[0].ResponseHeader["WWW-Authenticate"]; got != Shorten(challenge) {
		t.Errorf("WWW-Authenticate recorded as %d bytes, want %d (Shorten)", len(got), len(Shorten(challenge)))
	}
	if got := log.Entries()[0].RequestID; got != Shorten(challenge) {
		t.Errorf("X-Request-Id kept as the request id in %d bytes, want %d (Shorten)", len(got), len(Shorten(challenge)))
	}
}
