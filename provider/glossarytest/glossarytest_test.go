package glossarytest

import "testing"

// TestRejectedTerm: a rejected variant is found wherever it stands in a
// sentence, and the glossary's own terms pass.
func TestRejectedTerm(t *testing.T) {
	for _, tt := range []struct{ zh, variant string }{
		{"聲明 (claims)", "聲明"},
		{"它的追蹤記錄", "追蹤記錄"},
		{"已核發權杖", "核發"},
		{"已簽發權杖；宣告 (claims)；追蹤紀錄", ""},
	} {
		if got, _ := RejectedTerm(tt.zh); got != tt.variant {
			t.Errorf("RejectedTerm(%q) = %q, want %q", tt.zh, got, tt.variant)
		}
	}
}

// TestRejectedReadmeTerm: the README rejects what the catalogues reject,
// and 程序, which the catalogues may use for a procedure.
func TestRejectedReadmeTerm(t *testing.T) {
	for _, tt := range []struct{ zh, variant string }{
		{"已核發權杖", "核發"},
		{"每個程序各自計算", "程序"},
		{"每個行程各自計算；已簽發權杖", ""},
	} {
		if got, _ := RejectedReadmeTerm(tt.zh); got != tt.variant {
			t.Errorf("RejectedReadmeTerm(%q) = %q, want %q", tt.zh, got, tt.variant)
		}
	}
	if got, _ := RejectedTerm("程序"); got != "" {
		t.Errorf("RejectedTerm(%q) = %q, want \"\": the catalogues may say procedure", "程序", got)
	}
}
