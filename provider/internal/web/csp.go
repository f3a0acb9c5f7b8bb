package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"regexp"
	"strings"
)

// pageCSP is the Content-Security-Policy of every page: nothing from
// elsewhere, no framing, no <base>, and no style but the <style> blocks of
// the templates in fsys, each allowed by its hash (styleHashes). An
// attribute or a block that an injection could add is not allowed, as
// 'unsafe-inline' would allow it.
func pageCSP(fsys fs.FS) string {
	return "default-src 'none'; style-src " + strings.Join(styleHashes(fsys), " ") + "; frame-ancestors 'none'; base-uri 'none'"
}

// styleBlock is the text of a <style> block of a template.
var styleBlock = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// styleHashes returns the CSP hash source of each <style> block of the
// templates in fsys: 'sha256-' and the base64 of the SHA-256 of its text,
// which a browser compares with the text of the block it renders
// (https://www.w3.org/TR/CSP3/#grammardef-hash-source). A block holds no
// template action, so the text rendered is the text of the file; one that
// held one would break its page's style, and panics here instead, at start.
func styleHashes(fsys fs.FS) []string {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	var hashes []string
	for _, name := range files {
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err)
		}
		for _, block := range styleBlock.FindAllSubmatch(text, -1) {
			if bytes.Contains(block[1], []byte("{{")) {
				panic("web: a <style> block of " + name + " holds a template action: its hash would not match the page")
			}
			sum := sha256.Sum256(block[1])
			hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		}
	}
	return hashes
}
