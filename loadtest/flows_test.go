package main

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHiddenFields(t *testing.T) {
	page := []byte(`<form method="post" action="/oauth/authenticate">
  <input type="hidden" name="scope" value="openid read">
  <input type="hidden" name="state" value="a&amp;b&quot;c">
  <input type="hidden" name="scope" value="twice"/>
  <input type="text" name="username" value="not hidden">
  <input type="hidden" value="no name">
  <input type='hidden' name=csrf_token value=T0K3N>
</form>`)
	want := url.Values{"scope": {"openid read", "twice"}, "state": {`a&b"c`}, "csrf_token": {"T0K3N"}}
	if diff := cmp.Diff(want, hiddenFields(page)); diff != "" {
		t.Errorf("hidden fields (-want +got):\n%s", diff)
	}
}
