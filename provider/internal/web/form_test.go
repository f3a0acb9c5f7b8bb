package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// formRequest returns a POST of body as a form.
func formRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", formContentType)
	return r
}

// TestReadFormAsParseForm: readForm leaves r.PostForm and the error as
// r.ParseForm does, also for a malformed pair, and a form read earlier keeps
// its values when a later body reuses the pooled buffer.
func TestReadFormAsParseForm(t *testing.T) {
	bodies := []string{"a=1&b=2", "a=%zz&b=2&c=3", "x=1;y=2&z=3", "b=2&b=3&" + strings.Repeat("c", 600) + "=4", ""}
	var read []url.Values
	for _, body := range bodies {
		want := formRequest(body)
		wantErr := want.ParseForm()
		got := formRequest(body)
		err := readForm(got)
		if (err != nil) != (wantErr != nil) || !cmp.Equal(got.PostForm, want.PostForm) {
			t.Errorf("readForm(%q) = %v, %v; ParseForm: %v, %v", body, got.PostForm, err, want.PostForm, wantErr)
		}
		read = append(read, got.PostForm)
	}
	for i, body := range bodies {
		want := formRequest(body)
		_ = want.ParseForm()
		if !cmp.Equal(read[i], want.PostForm) {
			t.Errorf("the form of %q became %v after later requests", body, read[i])
		}
	}
}

// FuzzParseForm: parseForm returns the parameters, and fails, exactly as
// url.ParseQuery does, for any body: the split it does itself is only a
// shortcut.
func FuzzParseForm(f *testing.F) {
	for _, body := range []string{
		"grant_type=client_credentials&scope=read", "token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln&token_type_hint=access_token",
		"a=1&&b=&=c&d&a=2", "a=%zz&b=2", "x=1;y=2&z=3", "a+b=c+d", "redirect_uri=http%3A%2F%2Flocalhost", "", "&", "=",
		strings.Repeat("a=1&", maxSplitPairs), strings.Repeat("a&", 10001),
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := parseForm(body)
		want, wantErr := url.ParseQuery(body)
		if (err != nil) != (wantErr != nil) || !cmp.Equal(got, want) {
			t.Errorf("parseForm(%q) = %v, %v; url.ParseQuery: %v, %v", body, got, err, want, wantErr)
		}
	})
}
