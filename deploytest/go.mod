module github.com/oauth-reference/deploytest

go 1.26.8

replace (
	github.com/oauth-reference/client => ../client
	github.com/oauth-reference/provider => ../provider
)

require github.com/oauth-reference/provider v0.0.0-00010101000000-000000000000
