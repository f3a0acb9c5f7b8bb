package i18n

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// The glossary: one Taiwan term for each concept, the same in the
// provider's catalogues, the client's and README.zh-TW.md (TestOneTerm
// rejects each variant marked "not" in the catalogues; the provider's
// TestReadmeZhTWGlossary rejects them, and 程序, in README.zh-TW.md):
//
//	claims                      宣告 (not 聲明)
//	trace                       追蹤紀錄 (not 追蹤記錄)
//	issue (a token, a code)     簽發 (not 核發)
//	grant (the stored grant)    授權許可 (grant); grant type 授權類型
//	private key                 私鑰 (not 私密金鑰)
//	process (of the OS)         行程 (程序 is a procedure)
//	replay                      重放
//	open                        開啟 (not 打開)
//	credentials                 憑證 (not 憑據)
//
// The client calls the authorization server 提供者 (provider), as its
// English calls it the provider.

// pair is one message: its English text, which is also its key, and its
// Traditional Chinese translation. Both take the same fmt verbs, in the
// same order.
type pair struct {
	en, zhTW string
}

// counted is a message that counts: its key is the English of the plural
// ("%d days"), one its English singular ("1 day"). Chinese has one form.
type counted struct {
	en, one, zhTW string
}

// countedMessages are the messages that count.
var countedMessages = []counted{
	{"%d days", "1 day", "%d 天"},
	{"%d hours", "1 hour", "%d 小時"},
	{"%d minutes", "1 minute", "%d 分鐘"},
	{"%d seconds", "1 second", "%d 秒"},
}

// tables are the message tables, one per part of the client.
var tables = [][]pair{layoutMessages, homeMessages, walkMessages, inspectorMessages, labMessages, mcpMessages, deviceMessages, pageMessages, spaMessages, cliMessages, startupMessages}

// catalogue holds every message in both languages.
var catalogue, keys = buildCatalogue()

// buildCatalogue puts every message in a catalogue, and returns it with
// the set of keys. A message the catalogue refuses is a bug in the tables:
// the program stops at start-up, and every test with it.
func buildCatalogue() (*catalog.Builder, map[string]bool) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	known := map[string]bool{}
	must := func(err error) {
		if err != nil {
			panic("i18n: " + err.Error())
		}
	}
	for _, table := range tables {
		for _, m := range table {
			must(b.SetString(language.English, m.en, m.en))
			must(b.SetString(zhTW, m.en, m.zhTW))
			known[m.en] = true
		}
	}
	for _, m := range countedMessages {
		must(b.Set(language.English, m.en, plural.Selectf(1, "%d", "=1", m.one, "other", m.en)))
		must(b.SetString(zhTW, m.en, m.zhTW))
		known[m.en] = true
	}
	return b, known
}

// Known reports whether key is the English text of a message.
func Known(key string) bool { return keys[key] }
