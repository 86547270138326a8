// Package override applies the props a caller passes to override a
// construct's defaults, in the manner of the AWS Solutions Constructs'
// "xxxProps" fields (ruleProps, deadLetterQueueProps...): the construct
// computes the props it would use, then every field the caller set wins.
package override

import (
	"reflect"
	"sort"
)

// Apply copies onto base every field of over that is set (a non-nil
// pointer, interface, map or slice, or a non-zero value), and returns the
// names of those fields, sorted. base and over are pointers to the same
// props struct (e.g. *awssqs.QueueProps); over may be nil.
func Apply[T any](base, over *T) []string {
	if base == nil || over == nil {
		return nil
	}
	b, o := reflect.ValueOf(base).Elem(), reflect.ValueOf(over).Elem()
	if o.Kind() != reflect.Struct {
		return nil
	}
	var set []string
	for i := 0; i < o.NumField(); i++ {
		f := o.Field(i)
		if !o.Type().Field(i).IsExported() || f.IsZero() {
			continue
		}
		b.Field(i).Set(f)
		set = append(set, o.Type().Field(i).Name)
	}
	sort.Strings(set)
	return set
}

// Set returns, of the fields named, those that over sets (non-zero), in the
// order given: the fields a construct computes itself and an override may
// not replace. over is a pointer to a props struct, or nil.
func Set(over any, names ...string) []string {
	v := reflect.ValueOf(over)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return nil
	}
	v = v.Elem()
	var set []string
	for _, n := range names {
		if f := v.FieldByName(n); f.IsValid() && !f.IsZero() {
			set = append(set, n)
		}
	}
	return set
}
