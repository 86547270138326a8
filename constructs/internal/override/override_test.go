package override

import (
	"reflect"
	"testing"
)

type props struct {
	Name  *string
	Count *float64
	Mode  string
	Tags  map[string]string
}

func str(s string) *string { return &s }

func TestApplyCopiesSetFieldsOnly(t *testing.T) {
	n := 3.0
	base := props{Name: str("base"), Count: &n, Mode: "a"}
	got := Apply(&base, &props{Name: str("over"), Tags: map[string]string{"k": "v"}})
	if want := []string{"Name", "Tags"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got fields %v, want %v", got, want)
	}
	if *base.Name != "over" || base.Count != &n || base.Mode != "a" || base.Tags["k"] != "v" {
		t.Errorf("got %+v, want Name over, Count and Mode kept, Tags set", base)
	}
	if got := Apply(&base, nil); got != nil {
		t.Errorf("nil override: got %v, want nil", got)
	}
}

func TestSet(t *testing.T) {
	if got, want := Set(&props{Mode: "x", Name: str("n")}, "Count", "Mode", "Name"), []string{"Mode", "Name"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := Set((*props)(nil), "Mode"); got != nil {
		t.Errorf("nil: got %v, want nil", got)
	}
}
