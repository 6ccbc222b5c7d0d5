// Package buildinfo says which numgate is running: its version and commit, and the Go and
// OPA it was built with. A release build sets the version, commit and date at link time;
// any other build (go build in a checkout, go install, go run) reports what the Go
// toolchain recorded in the binary, so the answer is never made up.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	opaversion "github.com/open-policy-agent/opa/v1/version"
	"github.com/prometheus/client_golang/prometheus"
)

// Set at link time by a release build, e.g.
//
//	go build -ldflags "-X github.com/numgate/numgate/internal/buildinfo.version=v1.2.3 \
//	  -X github.com/numgate/numgate/internal/buildinfo.commit=$(git rev-parse HEAD) \
//	  -X github.com/numgate/numgate/internal/buildinfo.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
//
// The linker can only set package variables, so these three are; nothing writes them at
// run time.
var (
	version string
	commit  string
	date    string
)

// opaModule is the module whose version is reported as OPA's.
const opaModule = "github.com/open-policy-agent/opa"

// Info is what numgate version, GET /v1/policy and numgate_build_info report.
type Info struct {
	Version    string `json:"version"`        // v1.2.3, a Go pseudo-version, or "devel"
	Commit     string `json:"commit"`         // the git revision, or "unknown"
	Date       string `json:"date,omitempty"` // the commit's or the build's time (RFC 3339), when known
	Modified   bool   `json:"modified"`       // built from a checkout with uncommitted changes
	GoVersion  string `json:"go_version"`
	OPAVersion string `json:"opa_version"`
}

// Read is the running binary's build information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Info{Version: version, Commit: commit, Date: date}, bi)
}

// resolve fills what the linker did not set from what the toolchain recorded (bi may be
// nil: a binary built without module support).
func resolve(linked Info, bi *debug.BuildInfo) Info {
	info := linked
	info.GoVersion = runtime.Version()
	// OPA's own idea of its version, unless the module graph names another (a replace).
	info.OPAVersion = "v" + strings.TrimPrefix(opaversion.Version, "v")
	var revision, vcsTime string
	if bi != nil {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			// go install ...@v1.2.3 records v1.2.3; a build in a git checkout records a
			// pseudo-version naming the commit (+dirty when it has uncommitted changes).
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, dep := range bi.Deps {
			if dep.Path == opaModule || strings.HasPrefix(dep.Path, opaModule+"/") {
				if dep.Replace != nil && dep.Replace.Version != "" {
					dep = dep.Replace
				}
				info.OPAVersion = dep.Version
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				if linked.Commit == "" {
					info.Modified = s.Value == "true"
				}
			}
		}
	}
	if info.Commit == "" {
		info.Commit = revision
	}
	if info.Date == "" && linked.Commit == "" {
		info.Date = vcsTime
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// String is the one line numgate version prints.
func (i Info) String() string {
	commit := i.Commit
	if i.Modified {
		commit += " (modified)"
	}
	s := fmt.Sprintf("numgate %s, commit %s", i.Version, commit)
	if i.Date != "" {
		s += ", " + i.Date
	}
	return s + fmt.Sprintf(", %s, OPA %s", i.GoVersion, i.OPAVersion)
}

// Collector is the numgate_build_info gauge: always 1, with the build in its labels, so a
// dashboard can tell which replicas run which build.
func (i Info) Collector() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "numgate_build_info",
		Help: "The numgate build serving (value 1): version, commit, Go and OPA versions.",
		ConstLabels: prometheus.Labels{
			"version": i.Version, "commit": i.Commit, "go_version": i.GoVersion, "opa_version": i.OPAVersion,
		},
	})
	g.Set(1)
	return g
}
