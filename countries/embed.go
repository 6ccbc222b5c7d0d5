// Package countries holds the regulators' facts, one YAML file per country, and the
// catalogue they draw on; it embeds them so that numgate runs on them with no
// configuration.
package countries

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml
var files embed.FS

// FS returns the embedded country files.
func FS() fs.FS { return files }
