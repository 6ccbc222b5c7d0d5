package engine

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlFile is one parsed YAML file that keeps its node tree, so that a problem found by
// JSON Schema or by a semantic check can be reported at the line and column it came from.
type yamlFile struct {
	path string
	root *yaml.Node // the document's top value
}

// parseYAML parses a file; a syntax error is returned as a positioned diagnostic.
func parseYAML(path string, data []byte) (*yamlFile, Diagnostics) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, Diagnostics{atBadLine(yamlSyntaxDiagnostic(path, err), data, err)}
	}
	// A second document (after ---) would be silently ignored: every file is one.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		line := next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		return nil, Diagnostics{{File: path, Line: line, Column: 1, Message: "a second YAML document (after ---), expected one document per file; join them or remove the ---"}}
	case err != io.EOF:
		return nil, Diagnostics{yamlSyntaxDiagnostic(path, err)}
	}
	if len(doc.Content) == 0 {
		return nil, Diagnostics{{File: path, Line: 1, Column: 1, Message: "the file is empty, expected a YAML mapping"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, Diagnostics{{File: path, Line: root.Line, Column: root.Column, Message: "the file's top level is not a mapping, expected key: value pairs"}}
	}
	return &yamlFile{path: path, root: root}, nil
}

// yamlSyntaxDiagnostic turns yaml.v3's "yaml: line N: msg" (or "... at line N, column
// M: msg") into a positioned diagnostic.
func yamlSyntaxDiagnostic(path string, err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	d := Diagnostic{File: path, Line: 1, Column: 1, Message: "invalid YAML: " + msg}
	if m := yamlErrorPosition.FindStringSubmatch(msg); m != nil {
		d.Line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			d.Column, _ = strconv.Atoi(m[2])
		}
		msg = strings.TrimSpace(yamlErrorPosition.ReplaceAllString(msg, ""))
		// yaml.v3 counts lines from 0 for parser errors (and from 1 for scanner errors);
		// the parser's messages are the "did not find expected <token>" family.
		if strings.HasPrefix(msg, "did not find expected") && !scannerMessage.MatchString(msg) {
			d.Line++
		}
		d.Message = "invalid YAML: " + msg + " (in the construct that starts here)"
	}
	return d
}

// atBadLine moves a syntax diagnostic to the line where the file stops being YAML:
// yaml.v3 reports some errors ("did not find expected key") where the enclosing block
// starts, which can be many lines before a mis-indented key. The file's first n lines
// are parsed for growing n; the first prefix that fails with the same error is where the
// problem is. Only a failing file pays for it.
func atBadLine(d Diagnostic, data []byte, err error) Diagnostic {
	want := yamlErrorPosition.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
	lines := strings.SplitAfter(string(data), "\n")
	var prefix strings.Builder
	for n, line := range lines {
		prefix.WriteString(line)
		var v yaml.Node
		perr := yaml.Unmarshal([]byte(prefix.String()), &v)
		if perr == nil {
			continue
		}
		if yamlErrorPosition.ReplaceAllString(strings.TrimPrefix(perr.Error(), "yaml: "), "") != want {
			continue // a prefix cut inside a quoted or block scalar fails otherwise
		}
		if row := n + 1; row > d.Line {
			started := d.Line
			d.Line, d.Column = row, len(line)-len(strings.TrimLeft(line, " \t"))+1
			d.Message = strings.TrimSuffix(d.Message, " (in the construct that starts here)") +
				fmt.Sprintf(" (in the construct that starts at line %d)", started)
		}
		break
	}
	return d
}

var scannerMessage = regexp.MustCompile(`alphabetic or numeric|comment or line break|hexdecimal|URI|whitespace|tag`)

var yamlErrorPosition = regexp.MustCompile(`(?:^|\s)line (\d+)(?:, column (\d+))?:?`)

// value converts the node tree into plain JSON-like values for schema validation. Keys
// defined twice in one mapping are reported rather than silently overwritten.
func (f *yamlFile) value() (any, Diagnostics) {
	var ds Diagnostics
	budget := maxValues
	v := f.convert(f.root, &ds, 0, &budget)
	return v, ds
}

// maxValues bounds the values one file may expand to: aliases can make a few lines stand
// for billions of values (a "billion laughs" file), which must not stall a load.
const maxValues = 200000

func (f *yamlFile) convert(n *yaml.Node, ds *Diagnostics, depth int, budget *int) any {
	if depth > 64 {
		*ds = append(*ds, f.at(n, "nesting is too deep, expected at most 64 levels"))
		return nil
	}
	if *budget--; *budget < 0 {
		if *budget == -1 {
			*ds = append(*ds, f.at(n, fmt.Sprintf("the file expands to more than %d values (aliases used too often?), expected a country file of ordinary size", maxValues)))
		}
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		return f.convert(n.Alias, ds, depth+1, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				*ds = append(*ds, f.at(k, "a mapping key must be a plain string"))
				continue
			}
			if _, dup := m[k.Value]; dup {
				*ds = append(*ds, f.at(k, fmt.Sprintf("key %q is defined twice in this mapping, expected each key once", k.Value)))
				continue
			}
			m[k.Value] = f.convert(v, ds, depth+1, budget)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = f.convert(c, ds, depth+1, budget)
		}
		return s
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b
			}
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil {
				return i
			}
		case "!!float":
			var x float64
			if err := n.Decode(&x); err == nil {
				return x
			}
		}
		// Strings, and timestamps, which the schema checks as dates in their own text.
		return n.Value
	}
	return nil
}

// at is a diagnostic positioned at a node.
func (f *yamlFile) at(n *yaml.Node, msg string) Diagnostic {
	return Diagnostic{File: f.path, Line: n.Line, Column: n.Column, Message: msg}
}

// find returns the node at a JSON-Pointer-like path of keys and indexes, and, when the
// last step is a mapping key, that key's node (to point at an unknown or misspelt key).
func (f *yamlFile) find(path []string) (value, key *yaml.Node) {
	n := f.root
	for _, step := range path {
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		key = nil
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == step {
					key, next = n.Content[i], n.Content[i+1]
					break
				}
			}
			if next == nil {
				return n, nil
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n, nil
			}
			n = n.Content[i]
		default:
			return n, nil
		}
	}
	return n, key
}

// atPath is a diagnostic at the value found at path (or the closest node above it).
func (f *yamlFile) atPath(path []string, msg string) Diagnostic {
	v, _ := f.find(path)
	return f.at(v, msg)
}

// atKey is a diagnostic at the key found at path, or at its value when there is no key.
func (f *yamlFile) atKey(path []string, msg string) Diagnostic {
	v, k := f.find(path)
	if k != nil {
		return f.at(k, msg)
	}
	return f.at(v, msg)
}

// dotted renders a path the way a person reads it in a YAML file: numbers.local.business.fields[2].
func dotted(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "(top level)"
	}
	return b.String()
}
