package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/glossarytest"
)

// verbRE finds the fmt verbs of a message.
var verbRE = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// tagRE finds the HTML tags of a message (th messages carry markup).
var tagRE = regexp.MustCompile(`</?[a-z][a-z0-9]*`)

// slantedHanRE finds Chinese inside <em>, which a browser slants.
var slantedHanRE = regexp.MustCompile(`<em>[^<]*\p{Han}`)

// TestCatalogueIsComplete fails when a message is missing in either
// language, is there twice, or when its translation takes other fmt verbs
// or other markup than its English (but for an <em> of the English, which
// the Chinese writes as 「」: Chinese has no italics).
func TestCatalogueIsComplete(t *testing.T) {
	seen := map[string]bool{}
	var all []pair
	for _, table := range tables {
		all = append(all, table...)
	}
	for _, m := range countedMessages {
		all = append(all, pair{m.en, m.zhTW})
		if !strings.HasPrefix(m.one, "1 ") {
			t.Errorf("%q has singular %q, want one starting with 1", m.en, m.one)
		}
	}
	for _, m := range all {
		switch {
		case strings.TrimSpace(m.en) == "":
			t.Errorf("a message has no English (its Chinese is %q)", m.zhTW)
		case strings.TrimSpace(m.zhTW) == "":
			t.Errorf("%q has no Traditional Chinese", m.en)
		case m.zhTW == m.en && m.en != ".":
			t.Errorf("%q is not translated", m.en)
		}
		if seen[m.en] {
			t.Errorf("%q is in the catalogue twice", m.en)
		}
		seen[m.en] = true
		for _, verb := range verbRE.FindAllString(m.en, -1) {
			if !slices.Contains([]string{"%s", "%d", "%q", "%%"}, verb) {
				t.Errorf("%q has %q: messages take %%s, %%d and %%q, and a percent sign is written %%%%", m.en, verb)
			}
		}
		if en, zh := verbRE.FindAllString(m.en, -1), verbRE.FindAllString(m.zhTW, -1); !slices.Equal(en, zh) {
			t.Errorf("%q takes verbs %q, its translation %q", m.en, en, zh)
		}
		if en, zh := tagRE.FindAllString(m.en, -1), tagRE.FindAllString(m.zhTW, -1); !sameElements(withoutQuotedEm(en, m.zhTW), zh) {
			t.Errorf("%q has markup %q, its translation %q", m.en, en, zh)
		}
		if slantedHanRE.MatchString(m.zhTW) {
			t.Errorf("%q puts Chinese in <em>: Chinese has no italics, quote it with 「」", m.zhTW)
		}
	}
}

// withoutQuotedEm drops the <em> of the English's markup en when its
// translation zhTW quotes with 「」 instead: Chinese has no italics, and
// writes a label the reader is to press as 「立即輪詢」.
func withoutQuotedEm(en []string, zhTW string) []string {
	if strings.Contains(zhTW, "<em") || !strings.Contains(zhTW, "「") {
		return en
	}
	return slices.DeleteFunc(slices.Clone(en), func(tag string) bool { return tag == "<em" || tag == "</em" })
}

func sameElements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, choice, acceptLanguage, want string
	}{
		{"nothing asked: English", "", "", "en"},
		{"the switch's choice wins over the browser", "zh-TW", "en-US,en;q=0.9", "zh-TW"},
		{"the switch's English wins over a Chinese browser", "en", "zh-TW", "en"},
		{"an unknown choice falls back to the browser", "fr", "zh-TW", "zh-TW"},
		{"zh-TW", "", "zh-TW", "zh-TW"},
		{"a browser in Taiwan", "", "zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", "zh-TW"},
		{"Traditional script without a region", "", "zh-Hant", "zh-TW"},
		{"Hong Kong reads Traditional Chinese", "", "zh-HK", "zh-TW"},
		{"Simplified Chinese readers get Traditional rather than English", "", "zh-CN", "zh-TW"},
		{"case does not matter", "", "ZH-tw", "zh-TW"},
		{"quality order, not header order", "", "en;q=0.3, zh-TW;q=0.9", "zh-TW"},
		{"first supported of several", "", "fr-FR, de;q=0.9, zh-TW;q=0.5", "zh-TW"},
		{"nothing supported: English", "", "fr-FR, de;q=0.9", "en"},
		{"American English", "", "en-US", "en"},
		{"wildcard", "", "*", "en"},
		{"malformed: English", "", "zh-TW;q=abc", "en"},
		{"garbage: English", "", "\x00\xff;;==,,", "en"},
		{"a huge header is ignored", "", strings.Repeat("zh-TW,", 200), "en"},
		{"a tag list too long to parse", "", strings.Repeat("a-", 300), "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate(tt.choice, tt.acceptLanguage).Code; got != tt.want {
				t.Errorf("Negotiate(%q, %q) = %s, want %s", tt.choice, tt.acceptLanguage, got, tt.want)
			}
		})
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		name string
		lang Lang
		key  string
		args []any
		want string
	}{
		{"English is the key", English, "Attack lab", nil, "Attack lab"},
		{"Chinese", TraditionalChinese, "Attack lab", nil, "攻擊實驗室"},
		{"with an argument", TraditionalChinese, "Signed in as %s", []any{"Demo"}, "已登入：Demo"},
		{"not a key: unchanged, percent signs and all", TraditionalChinese, "https://x.test/?a=%2F%s", nil, "https://x.test/?a=%2F%s"},
		{"English singular", English, "%d minutes", []any{1}, "1 minute"},
		{"English plural", English, "%d minutes", []any{59}, "59 minutes"},
		{"Chinese counts without a plural", TraditionalChinese, "%d minutes", []any{59}, "59 分鐘"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.lang.T(tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestWhen(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		lang Lang
		at   time.Time
		want string
	}{
		{English, now.Add(59*time.Minute + 30*time.Second), "in 59 minutes (2026-12-02 10:59:30 UTC)"},
		{English, now.Add(-time.Hour), "1 hour ago (2026-12-02 09:00:00 UTC)"},
		{English, now, "now (2026-12-02 10:00:00 UTC)"},
		{TraditionalChinese, now.Add(2 * 24 * time.Hour), "2 天後 (2026-12-04 10:00:00 UTC)"},
		{TraditionalChinese, now.Add(-3 * time.Second), "3 秒前 (2026-12-02 09:59:57 UTC)"},
		{TraditionalChinese, now.Add(time.Millisecond), "現在 (2026-12-02 10:00:00 UTC)"},
	}
	for _, tt := range tests {
		if got := tt.lang.When(tt.at, now); got != tt.want {
			t.Errorf("%s: When(%s) = %q, want %q", tt.lang.Code, tt.at, got, tt.want)
		}
	}
}

func TestRelative(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "now"},
		{59*time.Minute + 59*time.Second, "in 59 minutes"},
		{time.Hour, "in 1 hour"},
		{30 * 24 * time.Hour, "in 30 days"},
		{-3 * time.Second, "3 seconds ago"},
		{-90 * time.Minute, "1 hour ago"},
	}
	for _, tt := range tests {
		if got := English.Relative(now.Add(tt.d), now); got != tt.want {
			t.Errorf("Relative(now%+v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestSeconds: an interval is said in whole seconds in either language,
// even past a minute, where Duration would round it down to "1 minute".
func TestSeconds(t *testing.T) {
	tests := []struct {
		lang Lang
		d    time.Duration
		want string
	}{
		{English, time.Second, "1 second"},
		{English, 5 * time.Second, "5 seconds"},
		{English, 65 * time.Second, "65 seconds"},
		{TraditionalChinese, 5 * time.Second, "5 秒"},
		{TraditionalChinese, 65 * time.Second, "65 秒"},
	}
	for _, tt := range tests {
		if got := tt.lang.Seconds(tt.d); got != tt.want {
			t.Errorf("%s: Seconds(%s) = %q, want %q", tt.lang.Code, tt.d, got, tt.want)
		}
	}
}

// TestOneTerm fails when a translation uses a variant the glossary
// rejected: a learner who reads 核發 beside the provider's 簽發 takes them
// for two things.
func TestOneTerm(t *testing.T) {
	for _, table := range tables {
		for _, m := range table {
			if variant, term := glossarytest.RejectedTerm(m.zhTW); variant != "" {
				t.Errorf("%q: translation %q says %s: the glossary's word is %s", m.en, m.zhTW, variant, term)
			}
		}
	}
}
