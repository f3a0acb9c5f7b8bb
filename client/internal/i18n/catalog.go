package i18n

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

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
var tables = [][]pair{layoutMessages, homeMessages, walkMessages, inspectorMessages, labMessages, mcpMessages, deviceMessages, pageMessages, spaMessages, cliMessages}

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
