package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// imageBinaryOnce builds the binary the container image holds once for the tests of this
// package that run it (the image test and the fleet test); TestMain removes it.
var imageBinaryOnce struct {
	sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if imageBinaryOnce.dir != "" {
		os.RemoveAll(imageBinaryOnce.dir)
	}
	os.Exit(code)
}

// Stand-ins for the Dockerfile's build arguments.
const (
	imageTestVersion = "v0.0.0-imagetest"
	imageTestCommit  = "0123456789abcdef"
)

// imageBinary builds cmd/numgate with the Dockerfile's own build command: its environment,
// flags and -ldflags are read from the Dockerfile, so the two cannot drift apart.
func imageBinary(t *testing.T) string {
	t.Helper()
	imageBinaryOnce.Do(func() {
		o := &imageBinaryOnce
		df, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
		if err != nil {
			o.err = err
			return
		}
		build := regexp.MustCompile(`RUN (CGO_ENABLED=0) go build (-trimpath -buildvcs=false) \\\s*-ldflags="([^"]+)"`).FindSubmatch(df)
		if build == nil {
			o.err = fmt.Errorf("the Dockerfile has no RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags=\"...\" line")
			return
		}
		ldflags := strings.NewReplacer("${VERSION}", imageTestVersion, "${COMMIT}", imageTestCommit, "${DATE}", "").Replace(string(build[3]))
		o.dir, o.err = os.MkdirTemp("", "numgate-image")
		if o.err != nil {
			return
		}
		o.bin = filepath.Join(o.dir, "numgate")
		args := append([]string{"build"}, strings.Fields(string(build[2]))...)
		cmd := exec.Command("go", append(args, "-ldflags="+ldflags, "-o", o.bin, ".")...)
		cmd.Env = append(os.Environ(), string(build[1]))
		if out, err := cmd.CombinedOutput(); err != nil {
			o.err = fmt.Errorf("go build as the Dockerfile does: %v\n%s", err, out)
		}
	})
	if imageBinaryOnce.err != nil {
		t.Fatal(imageBinaryOnce.err)
	}
	return imageBinaryOnce.bin
}

// TestImageBinary checks what the container image relies on, on the binary built as the
// Dockerfile builds it (no Docker engine needed): it is static (the distroless base has
// no libc or loader), it carries the version it was given, it serves the policy built
// into it from a directory with none, and numgate health — the image's HEALTHCHECK, with
// no arguments, reading NUMGATE_ADDR as the image sets it — tells ready from not.
func TestImageBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := imageBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v): it cannot run on distroless/static", p.Type)
		}
	}
	f.Close()
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "numgate "+imageTestVersion+", commit "+imageTestCommit+", go1.") {
		t.Errorf("numgate version: %v: %s", err, out)
	}

	// The working directory has no countries/ or policies/: the embedded ones serve.
	work := t.TempDir()
	cmd, base := startServeIn(t, work, bin, "--decision-log", "sqlite:"+filepath.Join(work, "data", "decisions.db"))
	addr := strings.TrimPrefix(base, "http://")
	health := func(env []string, args ...string) (int, string) {
		c := exec.Command(bin, append([]string{"health"}, args...)...)
		c.Env = append(os.Environ(), env...)
		out, err := c.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	_, port, _ := strings.Cut(addr, ":")
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want int
		out  string
	}{
		{"as the image's HEALTHCHECK: NUMGATE_ADDR, no arguments", []string{"NUMGATE_ADDR=:" + port}, nil, exitOK, "ready: http://127.0.0.1:" + port + " serves revision sha256:"},
		{"liveness", nil, []string{"--url", base, "--live"}, exitOK, "alive: " + base},
		{"nothing listening", nil, []string{"--url", "http://127.0.0.1:1", "--timeout", "1s"}, exitFailed, "not ready: http://127.0.0.1:1"},
		{"a bad URL", nil, []string{"--url", "ftp://x"}, exitUsage, ""},
	} {
		code, out := health(tc.env, tc.args...)
		if code != tc.want || !strings.HasPrefix(out, tc.out) {
			t.Errorf("%s: exit %d %q, want %d %q", tc.name, code, out, tc.want, tc.out)
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if code, out := health(nil, "--url", base); code != exitFailed {
		t.Errorf("after the server stopped: exit %d %q", code, out)
	}
}
