package oauth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/setting"
)

// TestRuleTextsStateTheirConstants checks the numbers a rule's text shows
// a learner against the constants the code enforces. The texts are
// constant strings (the zh-TW trace table translates them by their
// English, TestEveryGoTextTranslated), so they cannot be built from the
// constants; this test is what keeps the two from drifting apart.
func TestRuleTextsStateTheirConstants(t *testing.T) {
	seconds := func(d time.Duration) string { return fmt.Sprintf("%d seconds", int(d/time.Second)) }
	for _, tc := range []struct {
		rule Rule
		want string // what the text must say, built from the constant
	}{
		{ruleDPoPIAT, "within " + seconds(DPoPProofWindow)},
		{ruleDPoPValidNow, "(" + seconds(DPoPProofWindow) + " of clock skew"},
		{ruleAssertionFresh, fmt.Sprintf("at most %d minutes away", int(maxAssertionLifetime/time.Minute))},
		{ruleAssertionFresh, "(" + seconds(assertionLeeway) + " of clock skew"},
		{rulePushedRequestSize, fmt.Sprintf("at most %d KiB", maxPushedRequestBytes>>10)},
		{ruleRedirectURICount, fmt.Sprintf("at most %d redirect_uris, and at most %d post_logout_redirect_uris", maxRedirectURIs, maxRedirectURIs)},
		{ruleMetadataDocumentFetches, fmt.Sprintf("fewer than %d client ID metadata documents", maxMetadataDocumentFetches)},
		{ruleMetadataDocumentAnswered, fmt.Sprintf("(%d s)", int(metadataDocumentTimeout/time.Second))},
		{ruleMetadataDocumentSize, fmt.Sprintf("at most %d KiB", maxMetadataDocumentSize>>10)},
		{ruleRedirectURIAbsolute, fmt.Sprintf("at most %d characters", maxRedirectURILen)},
		{ruleRedirectURIQuery, "(" + strings.Join(setting.ResponseParameters, ", ") + ")"},
	} {
		if !strings.Contains(tc.rule.Text, tc.want) {
			t.Errorf("rule %q does not say %q: change the text (and its zh-TW) with the constant", tc.rule.Text, tc.want)
		}
	}
}
