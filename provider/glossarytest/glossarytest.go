// Package glossarytest holds both programs' Chinese (zh-TW) catalogues and
// README.zh-TW.md to one glossary in tests: the provider's and the
// client's i18n tests fail on a translation that uses a variant the
// glossary turned down, and the provider's TestReadmeZhTWGlossary on such
// a line of the README (the glossary itself heads
// provider/internal/i18n/zh_tw.go and client/internal/i18n/catalog.go). A
// learner who reads 核發 on the client's page beside the provider's 簽發
// takes them for two things.
package glossarytest

import "strings"

// rejectedTerms are the variants the glossary turned down, each with the
// term the catalogues use instead. Each is rejected whole: none has
// another meaning a message could want. (程序, a process in mainland
// usage, stays allowed in the catalogues: in Taiwan it is a procedure.
// README.zh-TW.md rejects it: readmeRejectedTerms.)
var rejectedTerms = []rejected{
	{"聲明", "宣告 (claims)"},
	{"追蹤記錄", "追蹤紀錄 (trace)"},
	{"核發", "簽發 (issue)"},
	{"私密金鑰", "私鑰 (private key)"},
	{"打開", "開啟 (open)"},
	{"憑據", "憑證 (credentials)"},
	{"破折號", "連字號 (the dash of a user code, \"WDJB-MJHT\")"},
}

// rejected is a variant the glossary turned down and the term used
// instead.
type rejected struct{ variant, term string }

// readmeRejectedTerms are rejected in README.zh-TW.md beside
// rejectedTerms: the README speaks of the programs' processes and never of
// a procedure, so 程序 there can only be the mainland word for a process.
var readmeRejectedTerms = []rejected{
	{"程序", "行程 (a process of the OS; 程序 is a procedure)"},
}

// RejectedTerm returns the rejected variant zh holds and the glossary's
// term for it, or "" when zh holds none.
func RejectedTerm(zh string) (variant, term string) {
	return firstRejected(zh, rejectedTerms)
}

// RejectedReadmeTerm is RejectedTerm for a line of README.zh-TW.md, where
// 程序 is rejected too.
func RejectedReadmeTerm(zh string) (variant, term string) {
	if variant, term := RejectedTerm(zh); variant != "" {
		return variant, term
	}
	return firstRejected(zh, readmeRejectedTerms)
}

// firstRejected returns the first variant of terms that zh holds, and its
// term, or "" when zh holds none.
func firstRejected(zh string, terms []rejected) (variant, term string) {
	for _, r := range terms {
		if strings.Contains(zh, r.variant) {
			return r.variant, r.term
		}
	}
	return "", ""
}
