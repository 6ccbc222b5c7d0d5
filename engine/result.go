package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
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

// fromValue types a policy's result as OPA's value into out, exactly as
// fromPolicy(ast.JSON(v), out, render) does, without building the JSON values in
// between: a set is read as an array (in its order), a number as its JSON text, an
// object key that is not a string by its JSON text. Only a message, where it is
// rendered, goes through JSON.
func fromValue(v ast.Value, out any, render func(any) string) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("fromValue: %T is not a non-nil pointer", out)
	}
	return typer{render}.assignValue(rv.Elem(), v, "")
}

func (ty typer) assignValue(dst reflect.Value, v ast.Value, path string) error {
	if _, null := v.(ast.Null); null || v == nil {
		dst.SetZero()
		return nil
	}
	mismatch := func() error {
		return fmt.Errorf("%s: the policy gave %s where %s belongs", orRoot(path), ast.ValueName(v), dst.Type())
	}
	switch dst.Kind() {
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := ty.assignValue(p.Elem(), v, path); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Struct:
		obj, ok := v.(ast.Object)
		if !ok {
			return mismatch()
		}
		fields := jsonFields(dst.Type())
		return obj.Iter(func(k, x *ast.Term) error {
			name, err := jsonKey(k)
			if err != nil {
				return err
			}
			if i, ok := fields[name]; ok {
				return ty.assignValue(dst.FieldByIndex(i), x.Value, path+"/"+name)
			}
			return nil
		})
	case reflect.Slice:
		var elems []*ast.Term
		switch c := v.(type) {
		case *ast.Array:
			elems = make([]*ast.Term, c.Len())
			for i := range elems {
				elems[i] = c.Elem(i)
			}
		case ast.Set:
			elems = c.Slice()
		default:
			return mismatch()
		}
		s := reflect.MakeSlice(dst.Type(), len(elems), len(elems))
		for i, x := range elems {
			if err := ty.assignValue(s.Index(i), x.Value, path+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		obj, ok := v.(ast.Object)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return mismatch()
		}
		out := reflect.MakeMapWithSize(dst.Type(), obj.Len())
		err := obj.Iter(func(k, x *ast.Term) error {
			name, err := jsonKey(k)
			if err != nil {
				return err
			}
			e := reflect.New(dst.Type().Elem()).Elem()
			if err := ty.assignValue(e, x.Value, path+"/"+name); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(name).Convert(dst.Type().Key()), e)
			return nil
		})
		if err != nil {
			return err
		}
		dst.Set(out)
	case reflect.String:
		if s, ok := v.(ast.String); ok {
			dst.SetString(string(s))
			return nil
		}
		obj, isMessage := v.(ast.Object)
		if !isMessage || ty.render == nil || obj.Get(ast.InternedTerm("id")) == nil {
			return mismatch()
		}
		m, err := ast.JSON(obj)
		if err != nil {
			return fmt.Errorf("%s: %w", orRoot(path), err)
		}
		dst.SetString(ty.render(m))
	case reflect.Bool:
		b, ok := v.(ast.Boolean)
		if !ok {
			return mismatch()
		}
		dst.SetBool(bool(b))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Float32, reflect.Float64:
		n, ok := v.(ast.Number)
		if !ok {
			return mismatch()
		}
		return ty.assign(dst, json.Number(n), path)
	case reflect.Interface:
		x, err := ast.JSON(v)
		if err != nil {
			return fmt.Errorf("%s: %w", orRoot(path), err)
		}
		dst.Set(reflect.ValueOf(x))
	default:
		return fmt.Errorf("%s: cannot hold a policy value in %s", orRoot(path), dst.Type())
	}
	return nil
}

// jsonKey is an object key as ast.JSON names it: a string as it is, any other key by its
// JSON text.
func jsonKey(k *ast.Term) (string, error) {
	if s, ok := k.Value.(ast.String); ok {
		return string(s), nil
	}
	x, err := ast.JSON(k.Value)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(x); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// typeResult types a decision's result, OPA's value (from a plan) or JSON values (from
// OPA's evaluator or a stock OPA server), into out, rendering its messages with render.
func typeResult(res any, out any, render func(any) string) error {
	if v, ok := res.(ast.Value); ok {
		return fromValue(v, out, render)
	}
	return fromPolicy(res, out, render)
}
