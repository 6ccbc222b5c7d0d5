package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// fromPolicy copies a policy's result — the plain JSON values the rego package returns:
// map[string]any, []any, string, bool, json.Number, nil — into out, a pointer to a
// decision struct, by the structs' json tags. It types the result as a JSON round trip
// would (unknown keys ignored, null leaves the zero value, [] stays an empty slice), but
// without encoding and decoding on every decision.
//
// A message the policy returns ({"id": …, "params": …}) where the struct holds a string
// is rendered there by render: this is the one place the policies' messages become text.
func fromPolicy(v any, out any, render func(any) string) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("fromPolicy: %T is not a non-nil pointer", out)
	}
	return typer{render}.assign(rv.Elem(), v, "")
}

type typer struct {
	render func(any) string // nil: a message where a string belongs is a mismatch
}

func (ty typer) assign(dst reflect.Value, v any, path string) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	mismatch := func() error {
		return fmt.Errorf("%s: the policy gave %T where %s belongs", orRoot(path), v, dst.Type())
	}
	switch dst.Kind() {
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := ty.assign(p.Elem(), v, path); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch()
		}
		fields := jsonFields(dst.Type())
		for k, x := range m {
			if i, ok := fields[k]; ok {
				if err := ty.assign(dst.FieldByIndex(i), x, path+"/"+k); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return mismatch()
		}
		s := reflect.MakeSlice(dst.Type(), len(a), len(a))
		for i, x := range a {
			if err := ty.assign(s.Index(i), x, fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return mismatch()
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, x := range m {
			e := reflect.New(dst.Type().Elem()).Elem()
			if err := ty.assign(e, x, path+"/"+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), e)
		}
		dst.Set(out)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			m, isMessage := v.(map[string]any)
			if !isMessage || ty.render == nil || m["id"] == nil {
				return mismatch()
			}
			s = ty.render(m)
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return mismatch()
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch()
		}
		i, err := n.Int64()
		if err != nil || dst.OverflowInt(i) {
			return fmt.Errorf("%s: %s is not a whole number that fits %s", orRoot(path), n, dst.Type())
		}
		dst.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch()
		}
		f, err := n.Float64()
		if err != nil {
			return fmt.Errorf("%s: %w", orRoot(path), err)
		}
		dst.SetFloat(f)
	case reflect.Interface:
		dst.Set(reflect.ValueOf(v))
	default:
		return fmt.Errorf("%s: cannot hold a policy value in %s", orRoot(path), dst.Type())
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "the result"
	}
	return path
}

// fieldCache holds, per struct type, its fields by JSON name. It is package-level, as
// encoding/json's own cache is, because it describes Go types, which every snapshot shares
// and which never change while the process runs.
var fieldCache sync.Map // reflect.Type -> map[string][]int

// jsonFields maps a struct's JSON names to field index paths; the fields of an embedded
// struct without a JSON name (a decision's Envelope) are the struct's own, as in
// encoding/json.
func jsonFields(t reflect.Type) map[string][]int {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string][]int)
	}
	f := map[string][]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			for k, idx := range jsonFields(sf.Type) {
				f[k] = append([]int{i}, idx...)
			}
			continue
		}
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f[name] = []int{i}
	}
	fieldCache.Store(t, f)
	return f
}
