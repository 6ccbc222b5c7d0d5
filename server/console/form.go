package console

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// A playground form is a tree of controls, each named by the JSON Pointer of the request
// member it sets: the form's field names are those pointers, so a submitted form is the
// request, and a message's pointer names the input it belongs at.

// The controls.
const (
	ctlGroup    = "group"    // a fieldset of controls: a JSON object
	ctlList     = "list"     // a fieldset of groups: a JSON array of the groups sent
	ctlText     = "text"     // a string
	ctlNumber   = "number"   // an integer; what is not one is sent as typed, for the API to refuse
	ctlSelect   = "select"   // a string of a list; "" leaves it out
	ctlBool     = "bool"     // yes or no; "" leaves it out
	ctlDate     = "date"     // YYYY-MM-DD
	ctlDateTime = "datetime" // a time in UTC, sent as RFC 3339
	ctlChoices  = "choices"  // checkboxes: an array of the strings checked
	ctlHidden   = "hidden"   // a string the page chose
)

// node is one control.
type node struct {
	Pointer  string
	Label    string
	Hint     string
	Control  string
	Options  []option
	Required bool   // a group sent even when empty (the schema requires the object)
	Needs    string // a group sent only when this child has a value (a document's type)
	Children []*node
	Value    string   // as submitted, or as the page preset it
	Values   []string // the choices checked
	Messages []message
}

type option struct{ Value, Label string }

// message is a reason, a requirement's problem or an input error, shown at a control.
type message struct {
	Code, Text string
	Tone       string // bad, or info for what does not block (a recommendation)
}

// ID is the control's HTML id, made from its pointer.
func (n *node) ID() string {
	return "f" + strings.ReplaceAll(strings.ReplaceAll(n.Pointer, "~", "_"), "/", "-")
}

// Invalid says whether a blocking message is shown at the control.
func (n *node) Invalid() bool {
	for _, m := range n.Messages {
		if m.Tone == "bad" {
			return true
		}
	}
	return false
}

// Checked says whether a choice is checked.
func (n *node) Checked(v string) bool {
	for _, x := range n.Values {
		if x == v {
			return true
		}
	}
	return false
}

// Key is the last segment of the pointer: the member's name in its object.
func (n *node) Key() string { return n.Pointer[strings.LastIndex(n.Pointer, "/")+1:] }

func (n *node) add(m message) {
	for _, x := range n.Messages {
		if x.Text == m.Text {
			return
		}
	}
	n.Messages = append(n.Messages, m)
}

// form is a playground form, with where each array member sent came from.
type form struct {
	Root     *node
	Messages []message // those no control holds
	byPtr    map[string]*node
	sentAs   map[string]string // pointer of an array member as sent -> its group's pointer
	rowOf    map[string]string // requirement id -> the group made for it (a document)
}

func newForm(root *node) *form {
	f := &form{Root: root, byPtr: map[string]*node{}, sentAs: map[string]string{}, rowOf: map[string]string{}}
	var index func(*node)
	index = func(n *node) {
		f.byPtr[n.Pointer] = n
		for _, c := range n.Children {
			index(c)
		}
	}
	index(root)
	return f
}

// fill sets every control from a submitted form; a control the submission does not name
// keeps its preset.
func (f *form) fill(values url.Values) {
	for ptr, n := range f.byPtr {
		switch {
		case n.Control == ctlChoices:
			n.Values = values[ptr]
		case n.Control == ctlGroup || n.Control == ctlList:
		default:
			if vs, ok := values[ptr]; ok {
				n.Value = vs[0]
			}
		}
	}
}

// request builds the request the form says, as indented JSON in the form's order.
func (f *form) request() []byte {
	v, _ := f.value(f.Root)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if v == nil {
		v = object{}
	}
	_ = enc.Encode(v) // ordered values of strings, numbers and bools always encode
	return b.Bytes()
}

// value is a control's JSON value, and whether it is sent at all.
func (f *form) value(n *node) (any, bool) {
	switch n.Control {
	case ctlGroup:
		if n.Needs != "" {
			if c := f.byPtr[n.Pointer+"/"+n.Needs]; c == nil || c.Value == "" {
				return nil, false
			}
		}
		var o object
		for _, c := range n.Children {
			if v, ok := f.value(c); ok {
				o = append(o, member{c.Key(), v})
			}
		}
		if len(o) == 0 && !n.Required {
			return nil, false
		}
		if o == nil {
			o = object{}
		}
		return o, true
	case ctlList:
		var a []any
		for _, c := range n.Children {
			if v, ok := f.value(c); ok {
				f.sentAs[n.Pointer+"/"+strconv.Itoa(len(a))] = c.Pointer
				a = append(a, v)
			}
		}
		return a, len(a) > 0
	case ctlChoices:
		return n.Values, len(n.Values) > 0
	}
	if n.Value == "" {
		return nil, false
	}
	switch n.Control {
	case ctlNumber:
		if i, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64); err == nil {
			return i, true
		}
	case ctlBool:
		switch n.Value {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case ctlDateTime:
		return utcTime(n.Value), true
	}
	return n.Value, true
}

// utcTime reads a datetime-local value (2026-12-01T10:30, seconds optional) as UTC.
func utcTime(s string) string {
	switch len(s) {
	case len("2006-01-02T15:04"):
		return s + ":00Z"
	case len("2006-01-02T15:04:05"):
		return s + "Z"
	}
	return s
}

// place puts a message at the control its pointer names, or the nearest control that
// holds it (a pointer into an address part no control asks for lands at the address),
// or, failing both, at the top of the form.
func (f *form) place(ptr string, m message) {
	if n := f.holder(ptr); n != nil {
		n.add(m)
		return
	}
	for _, x := range f.Messages {
		if x.Text == m.Text {
			return
		}
	}
	f.Messages = append(f.Messages, m)
}

// holder is the control that shows a message at ptr: the one the pointer names, or the
// nearest one holding it; never a hidden input, which shows nothing.
func (f *form) holder(ptr string) *node {
	for p := f.asFormPointer(ptr); p != ""; p = parent(p) {
		if n, ok := f.byPtr[p]; ok && n.Control != ctlHidden {
			return n
		}
	}
	return nil
}

// Anchor is the HTML id of the control that shows a message at ptr, for a link to it.
func (f *form) Anchor(ptr string) string {
	if n := f.holder(ptr); n != nil {
		return n.ID()
	}
	return "form-msg"
}

// placeRequirement puts a requirement's message at the group made for it when its
// pointer names the whole list (a missing document), else where its pointer says.
func (f *form) placeRequirement(id, ptr string, m message) {
	if row, ok := f.rowOf[id]; ok {
		if n := f.byPtr[ptr]; n != nil && n.Control == ctlList {
			f.byPtr[row].add(m)
			return
		}
	}
	f.place(ptr, m)
}

// asFormPointer turns a pointer into the request as sent (documents numbered as sent)
// into the pointer of the form's control (documents numbered as the form lists them).
func (f *form) asFormPointer(ptr string) string {
	for sent, formPtr := range f.sentAs {
		if ptr == sent || strings.HasPrefix(ptr, sent+"/") {
			return formPtr + ptr[len(sent):]
		}
	}
	return ptr
}

func parent(ptr string) string {
	if i := strings.LastIndex(ptr, "/"); i > 0 {
		return ptr[:i]
	}
	return ""
}

// object is a JSON object that keeps its members' order (the form's), so the request
// shown reads as the form does.
type object []member

type member struct {
	Key   string
	Value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m.Value); err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
