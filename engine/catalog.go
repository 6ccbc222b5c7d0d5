package engine

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// Catalog is the vocabulary country files draw on (countries/catalog.yaml): identity
// fields with their constraints, document kinds and types, restriction codes.
type Catalog struct {
	AddressParts  []string                `yaml:"address_parts"  json:"address_parts"`
	Fields        map[string]FieldSpec    `yaml:"fields"         json:"fields"`
	DocumentKinds map[string]DocumentKind `yaml:"document_kinds" json:"document_kinds"`
	DocumentTypes map[string]DocumentType `yaml:"document_types" json:"document_types"`
	Restrictions  map[string]Restriction  `yaml:"restrictions"   json:"restrictions"`
}

// FieldSpec describes one identity field and the constraints on its value.
type FieldSpec struct {
	Label          Text   `yaml:"label"                     json:"label"`
	Message        Text   `yaml:"message"                   json:"message"`
	Pattern        string `yaml:"pattern,omitempty"         json:"pattern,omitempty"`
	InvalidMessage Text   `yaml:"invalid_message,omitempty" json:"invalid_message,omitzero"`
	MinLength      *int   `yaml:"min_length,omitempty"      json:"min_length,omitempty"`
	MaxLength      *int   `yaml:"max_length,omitempty"      json:"max_length,omitempty"`
}

// DocumentKind is what a document proves (identity, proof_of_address, ...).
type DocumentKind struct {
	Label   Text `yaml:"label"   json:"label"`
	Message Text `yaml:"message" json:"message"`
}

// DocumentType is a concrete document (passport, utility_bill, ...) and the kinds it
// can serve as.
type DocumentType struct {
	Label Text     `yaml:"label" json:"label"`
	Kinds []string `yaml:"kinds" json:"kinds"`
}

// Restriction is a limit a number carries that no document lifts.
type Restriction struct {
	Message Text `yaml:"message" json:"message"`
}

// checkCatalog validates what the schema cannot: patterns compile, lengths agree, and
// document types name known kinds.
func checkCatalog(f *yamlFile, c *Catalog) Diagnostics {
	var ds Diagnostics
	for _, name := range sortedKeys(c.Fields) {
		ds = append(ds, checkFieldSpec(f, []string{"fields", name}, c.Fields[name])...)
	}
	for _, name := range sortedKeys(c.DocumentTypes) {
		for i, k := range c.DocumentTypes[name].Kinds {
			if _, ok := c.DocumentKinds[k]; !ok {
				p := []string{"document_types", name, "kinds", strconv.Itoa(i)}
				ds = append(ds, f.atPath(p, fmt.Sprintf("%s: unknown document kind %q, expected one of: %s", dotted(p), k, joinKeys(c.DocumentKinds))))
			}
		}
	}
	return ds
}

func checkFieldSpec(f *yamlFile, path []string, s FieldSpec) Diagnostics {
	var ds Diagnostics
	if s.Pattern != "" {
		if _, err := regexp.Compile(s.Pattern); err != nil {
			p := append(slices.Clone(path), "pattern")
			ds = append(ds, f.atPath(p, fmt.Sprintf("%s: %q is not a valid RE2 regular expression (%v), expected e.g. '^[0-9]{14}$'", dotted(p), s.Pattern, err)))
		}
	}
	if s.MinLength != nil && s.MaxLength != nil && *s.MinLength > *s.MaxLength {
		p := append(slices.Clone(path), "max_length")
		ds = append(ds, f.atPath(p, fmt.Sprintf("%s: %d is below min_length %d, expected max_length >= min_length", dotted(p), *s.MaxLength, *s.MinLength)))
	}
	return ds
}

func decodeNode(f *yamlFile, v any) Diagnostics {
	if err := f.root.Decode(v); err != nil {
		// The schema has already accepted the shape, so this is rare: report it where the
		// file starts rather than lose it.
		return Diagnostics{f.at(f.root, "cannot decode: "+err.Error())}
	}
	return nil
}
