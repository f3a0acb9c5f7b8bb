// Package glossarytest holds both programs' Chinese (zh-TW) catalogues to
// one glossary in tests: the provider's and the client's i18n tests fail
// on a translation that uses a variant the glossary turned down (the
// glossary itself heads provider/internal/i18n/zh_tw.go and
// client/internal/i18n/catalog.go). A learner who reads 核發 on the
// client's page beside the provider's 簽發 takes them for two things.
package glossarytest

import "strings"

// rejectedTerms are the variants the glossary turned down, each with the
// term the catalogues use instead. Each is rejected whole: none has
// another meaning a message could want. (程序, a process in mainland
// usage, stays allowed: in Taiwan it is a procedure.)
var rejectedTerms = []struct{ variant, term string }{
	{"聲明", "宣告 (claims)"},
	{"追蹤記錄", "追蹤紀錄 (trace)"},
	{"核發", "簽發 (issue)"},
	{"私密金鑰", "私鑰 (private key)"},
	{"打開", "開啟 (open)"},
	{"憑據", "憑證 (credentials)"},
	{"破折號", "連字號 (the dash of a user code, \"WDJB-MJHT\")"},
}

// RejectedTerm returns the rejected variant zh holds and the glossary's
// term for it, or "" when zh holds none.
func RejectedTerm(zh string) (variant, term string) {
	for _, r := range rejectedTerms {
		if strings.Contains(zh, r.variant) {
			return r.variant, r.term
		}
	}
	return "", ""
}
