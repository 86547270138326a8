// Package propsoverride applies a caller's override props over the props a
// construct computed, the way the AWS Solutions Constructs take
// lambdaFunctionProps: every field the caller set replaces the construct's,
// except the fields the construct owns (its build, or a setting its own Props
// offer), which are left alone and returned so that the construct reports
// them with the Props field to use instead.
package propsoverride

import "reflect"

// Apply copies every field set (not nil, not zero) in override into dst; both
// point to the same props struct type (e.g. awslambda.FunctionProps). A field
// named in owned is not copied but returned, in the order of the struct's
// fields. A nil override changes nothing.
func Apply[T any](dst, override *T, owned map[string]string) (refused []string) {
	if override == nil {
		return nil
	}
	d := reflect.ValueOf(dst).Elem()
	o := reflect.ValueOf(override).Elem()
	for i := range o.NumField() {
		f := o.Type().Field(i)
		v := o.Field(i)
		if !f.IsExported() || v.IsZero() {
			continue
		}
		if _, ok := owned[f.Name]; ok {
			refused = append(refused, f.Name)
			continue
		}
		d.Field(i).Set(v)
	}
	return refused
}
