// Package policies holds numgate's decision logic in Rego (with its unit tests) and the
// provider's product rules (product/data.yaml) and the message catalogue
// (messages/<language>.yaml); it embeds them so that numgate runs on
// them with no configuration.
package policies

import (
	"embed"
	"io/fs"
)

//go:embed *.rego */data.yaml messages/*.yaml
var files embed.FS

// FS returns the embedded policy files.
func FS() fs.FS { return files }
