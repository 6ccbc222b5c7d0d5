package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// scaledTree copies the repository's countries and policies into a temporary directory
// and adds synthetic but valid country files until there are n countries: each is a real
// country file (taken in turn) under an unused two-letter code, so the loader and the
// policies do the work they would for real data.
func scaledTree(repo string, n int) (string, error) {
	dir, err := os.MkdirTemp("", "numgate-bench-tree")
	if err != nil {
		return "", err
	}
	for _, tree := range []string{"countries", "policies"} {
		if err := os.CopyFS(filepath.Join(dir, tree), os.DirFS(filepath.Join(repo, tree))); err != nil {
			return "", err
		}
	}
	real, _ := filepath.Glob(filepath.Join(repo, "countries", "[A-Z][A-Z].yaml"))
	used := map[string]bool{}
	for _, f := range real {
		used[strings.TrimSuffix(filepath.Base(f), ".yaml")] = true
	}
	// The code quoted, as NO.yaml must write it: YAML reads a bare NO (or ON) as a boolean.
	code := regexp.MustCompile(`(?m)^country: '?[A-Z]{2}'?$`)
	name := regexp.MustCompile(`(?m)^name: .*$`)
	count := len(real)
	for a := 'A'; a <= 'Z' && count < n; a++ {
		for b := 'A'; b <= 'Z' && count < n; b++ {
			c := string([]rune{a, b})
			if used[c] {
				continue
			}
			src, err := os.ReadFile(real[count%len(real)])
			if err != nil {
				return "", err
			}
			out := code.ReplaceAll(src, []byte("country: '"+c+"'"))
			out = name.ReplaceAll(out, []byte(fmt.Sprintf("name: Synthetic %s", c)))
			if err := os.WriteFile(filepath.Join(dir, "countries", c+".yaml"), out, 0o644); err != nil {
				return "", err
			}
			count++
		}
	}
	return dir, nil
}

// subsetTree copies the repository's policies and its first n country files (by code)
// into a temporary directory: the small tree the memory figures began at.
func subsetTree(repo string, n int) (string, error) {
	dir, err := os.MkdirTemp("", "numgate-bench-tree")
	if err != nil {
		return "", err
	}
	if err := os.CopyFS(filepath.Join(dir, "policies"), os.DirFS(filepath.Join(repo, "policies"))); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "countries"), 0o755); err != nil {
		return "", err
	}
	files, _ := filepath.Glob(filepath.Join(repo, "countries", "*.yaml"))
	picked := 0
	for _, f := range files { // Glob sorts
		base := filepath.Base(f)
		if countryFile.MatchString(base) {
			if picked == n {
				continue
			}
			picked++
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, "countries", base), b, 0o644); err != nil {
			return "", err
		}
	}
	if picked < n {
		return "", fmt.Errorf("the repository has %d country files, fewer than %d", picked, n)
	}
	return dir, nil
}

var countryFile = regexp.MustCompile(`^[A-Z]{2}\.yaml$`)
