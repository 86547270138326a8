package propsoverride

import (
	"reflect"
	"testing"
)

type props struct {
	Name    *string
	Size    *float64
	Tags    []string
	private int
}

func TestApply(t *testing.T) {
	s := func(v string) *string { return &v }
	n := func(v float64) *float64 { return &v }
	tests := []struct {
		name        string
		dst, over   *props
		owned       map[string]string
		want        props
		wantRefused []string
	}{
		{"nil override", &props{Name: s("a")}, nil, nil, props{Name: s("a")}, nil},
		{"set fields replace", &props{Name: s("a"), Size: n(1)}, &props{Size: n(2), Tags: []string{"x"}}, nil, props{Name: s("a"), Size: n(2), Tags: []string{"x"}}, nil},
		{"owned fields are refused", &props{Name: s("a")}, &props{Name: s("b"), Size: n(2)}, map[string]string{"Name": "use Props.Name"}, props{Name: s("a"), Size: n(2)}, []string{"Name"}},
		{"unset owned fields are fine", &props{Name: s("a")}, &props{Size: n(2)}, map[string]string{"Name": "use Props.Name"}, props{Name: s("a"), Size: n(2)}, nil},
		{"unexported fields are left alone", &props{private: 1}, &props{private: 2}, nil, props{private: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refused := Apply(tt.dst, tt.over, tt.owned)
			if !reflect.DeepEqual(*tt.dst, tt.want) {
				t.Errorf("got %+v, want %+v", *tt.dst, tt.want)
			}
			if !reflect.DeepEqual(refused, tt.wantRefused) {
				t.Errorf("got refused %q, want %q", refused, tt.wantRefused)
			}
		})
	}
}
