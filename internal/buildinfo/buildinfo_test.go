package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	opaversion "github.com/open-policy-agent/opa/v1/version"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestResolve(t *testing.T) {
	opa := &debug.Module{Path: "github.com/open-policy-agent/opa", Version: "v1.22.2"}
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-11-25T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		name   string
		linked Info
		bi     *debug.BuildInfo
		want   Info
	}{
		{
			name:   "release build: the linker's values win",
			linked: Info{Version: "v1.2.3", Commit: "def456", Date: "2026-12-01T00:00:00Z"},
			bi:     &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Deps: []*debug.Module{opa}, Settings: vcs},
			want:   Info{Version: "v1.2.3", Commit: "def456", Date: "2026-12-01T00:00:00Z", GoVersion: "go1.26.8", OPAVersion: "v1.22.2"},
		},
		{
			name: "go install @version",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Deps: []*debug.Module{opa}},
			want: Info{Version: "v1.2.3", Commit: "unknown", GoVersion: "go1.26.8", OPAVersion: "v1.22.2"},
		},
		{
			name: "go build in a modified checkout",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261125120000-abc123000000+dirty"}, Deps: []*debug.Module{opa}, Settings: vcs},
			want: Info{Version: "v0.0.0-20261125120000-abc123000000+dirty", Commit: "abc123", Date: "2026-11-25T12:00:00Z", Modified: true, GoVersion: "go1.26.8", OPAVersion: "v1.22.2"},
		},
		{
			name: "go run: nothing recorded",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Deps: []*debug.Module{opa}},
			want: Info{Version: "devel", Commit: "unknown", GoVersion: "go1.26.8", OPAVersion: "v1.22.2"},
		},
		{
			name: "OPA replaced by a fork",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{{Path: "github.com/open-policy-agent/opa", Version: "v1.22.2",
				Replace: &debug.Module{Path: "example.com/opa", Version: "v1.22.3-fix"}}}},
			want: Info{Version: "devel", Commit: "unknown", GoVersion: "go1.26.8", OPAVersion: "v1.22.3-fix"},
		},
		{
			name: "no module information: OPA's own version",
			want: Info{Version: "devel", Commit: "unknown", GoVersion: runtime.Version(), OPAVersion: "v" + opaversion.Version},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolve(tc.linked, tc.bi); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Read in a test binary: the Go version is real, OPA's version comes from go.mod.
func TestReadInTest(t *testing.T) {
	i := Read()
	if !strings.HasPrefix(i.GoVersion, "go1.") || !strings.HasPrefix(i.OPAVersion, "v1.") || i.Version == "" || i.Commit == "" {
		t.Errorf("%+v", i)
	}
}

func TestStringAndCollector(t *testing.T) {
	i := Info{Version: "v1.2.3", Commit: "abc", Modified: true, GoVersion: "go1.26.8", OPAVersion: "v1.22.2"}
	if got, want := i.String(), "numgate v1.2.3, commit abc (modified), go1.26.8, OPA v1.22.2"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(i.Collector())
	want := `# HELP numgate_build_info The numgate build serving (value 1): version, commit, Go and OPA versions.
# TYPE numgate_build_info gauge
numgate_build_info{commit="abc",go_version="go1.26.8",opa_version="v1.22.2",version="v1.2.3"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "numgate_build_info"); err != nil {
		t.Error(err)
	}
}
