// Package mcpsdk drives the provider with the official Model Context
// Protocol Go SDK (github.com/modelcontextprotocol/go-sdk), a client
// library this project did not write: its OAuth client signs a user in
// through the provider for an MCP server built with the same SDK, as the
// MCP authorization profile has it (README, "The Model Context Protocol
// flow, end to end"). It is a module of its own, holding tests only, so
// the SDK is no dependency of the programs.
package mcpsdk
