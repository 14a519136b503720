//go:build tools

// Package tools pins the Mattermost server and mmctl main packages so that
// `go build` of them resolves through this module's go.mod and go.sum.
package tools

import (
	_ "github.com/mattermost/mattermost/server/v8/cmd/mattermost"
	_ "github.com/mattermost/mattermost/server/v8/cmd/mmctl"
)
