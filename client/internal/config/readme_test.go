package config

import (
	"testing"

	"github.com/oauth-reference/provider/readmetest"
)

// TestReadmeConfigurationTable holds the README's "Configuration" table to
// the client: the variables it reads are exactly the rows read by the
// client or both, and each row's default is the client's. (The provider's
// tests hold the table to the provider and to .env.example.)
func TestReadmeConfigurationTable(t *testing.T) {
	table := readmetest.Configuration(t, "../../../README.md", "Configuration")
	readmetest.CheckProgram(t, table, "client", func(lookup func(string) (string, bool)) (Config, error) {
		return FromEnv(lookup), nil
	})
}
