package xray

import "testing"

func TestRefURL(t *testing.T) {
	tests := []struct {
		ref  Ref
		want string
	}{
		{"RFC 6749 Section 4.1.3", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3"},
		{"RFC 7636 Section 4.6", "https://www.rfc-editor.org/rfc/rfc7636#section-4.6"},
		{"RFC 7636 Appendix B", "https://www.rfc-editor.org/rfc/rfc7636#appendix-B"},
		{"RFC 9207", "https://www.rfc-editor.org/rfc/rfc9207"},
		{"OIDC Core Section 3.1.3.7", "https://openid.net/specs/openid-connect-core-1_0.html#rfc.section.3.1.3.7"},
		{"OIDC Discovery Section 4", "https://openid.net/specs/openid-connect-discovery-1_0.html#rfc.section.4"},
		{"OIDC Core", "https://openid.net/specs/openid-connect-core-1_0.html"},
		{"OIDC Multiple Response Types Section 2.1", "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#rfc.section.2.1"},
		{"CIMD Section 5", "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-5"},
		{"CIMD", "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01"},
		{"OIDC Unknown Section 1", ""},
		{"Section 6", ""},
		{"RFC 6749 §4.1", ""},
		{`javascript:alert(1)`, ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tt.ref.URL(); got != tt.want {
			t.Errorf("Ref(%q).URL() = %q, want %q", tt.ref, got, tt.want)
		}
	}
}
