package main

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/oauth-reference/loadtest/internal/baresign"
)

// TestSignedTokenIsAJWSOfTheInput checks that the token answer carries
// baresign's input with a fresh RS256 signature of it.
func TestSignedTokenIsAJWSOfTheInput(t *testing.T) {
	sign, public, err := baresign.New("RS256")
	if err != nil {
		t.Fatal(err)
	}
	resp := signedToken(sign)
	cut := strings.LastIndexByte(resp.AccessToken, '.')
	if cut < 0 || resp.AccessToken[:cut] != string(baresign.Input) {
		t.Fatalf("got token %q, want the input, a dot and a signature", resp.AccessToken)
	}
	sig, err := base64.RawURLEncoding.DecodeString(resp.AccessToken[cut+1:])
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(baresign.Input)
	if err := rsa.VerifyPKCS1v15(public.(*rsa.PublicKey), crypto.SHA256, d[:], sig); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
	if resp.TokenType != "Bearer" || resp.ExpiresIn <= 0 {
		t.Errorf("got token_type %q, expires_in %d; want Bearer and a lifetime", resp.TokenType, resp.ExpiresIn)
	}
}

// TestIntrospectAnswersTheProvidersMembers checks that an introspection
// request with a token gets an active answer with every member the
// provider's has, and one without a token 400.
func TestIntrospectAnswersTheProvidersMembers(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/oauth/introspect", introspect)
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/oauth/introspect", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	rec := post("token=" + string(baresign.Input) + ".c2ln")
	var answer map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("got %d %q (%v), want 200 and JSON", rec.Code, rec.Body, err)
	}
	for _, member := range []string{"scope", "client_id", "token_type", "exp", "iat", "sub", "aud", "iss", "jti"} {
		if _, ok := answer[member]; !ok {
			t.Errorf("the answer %s lacks %q", rec.Body, member)
		}
	}
	if answer["active"] != true {
		t.Errorf("got active %v, want true", answer["active"])
	}
	if rec := post("token_type_hint=access_token"); rec.Code != http.StatusBadRequest {
		t.Errorf("without a token: got %d, want 400", rec.Code)
	}
}

// TestPageServesWhatWasPut: the page starts as the default one and is,
// after PUT /page, the body put, byte for byte; an empty body is refused.
func TestPageServesWhatWasPut(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	pages := newPageServer()
	r.GET("/protected/resource", pages.serve)
	r.PUT("/page", pages.replace)
	do := func(method, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec
	}
	get := func() string { return do(http.MethodGet, "/protected/resource", "").Body.String() }
	if got := get(); got != string(defaultPage) {
		t.Errorf("before any PUT: got %q, want the default page", got)
	}
	providers := strings.Repeat("<p>the provider's page</p>", 100)
	if rec := do(http.MethodPut, "/page", providers); rec.Code != http.StatusNoContent {
		t.Fatalf("PUT /page: got %d, want 204", rec.Code)
	}
	if rec := do(http.MethodPut, "/page", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("PUT /page without a body: got %d, want 400", rec.Code)
	}
	if got := get(); got != providers {
		t.Errorf("after PUT: got %d bytes, want the %d put", len(got), len(providers))
	}
}
