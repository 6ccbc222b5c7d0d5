package engine

import (
	"maps"
	"slices"
	"strings"
)

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func joinKeys[V any](m map[string]V) string {
	return strings.Join(sortedKeys(m), ", ")
}
