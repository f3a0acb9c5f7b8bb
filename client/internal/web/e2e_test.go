package web

import (
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

func TestProviderStarts(t *testing.T) {
	p := providertest.New(t, providertest.Options{RedirectURI: "http://127.0.0.1:9/callback"})
	t.Log(p.Issuer)
}
