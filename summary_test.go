package animetl

import (
	"reflect"
	"testing"
)

// TestLastByName: of two results of one name the later stays, where the
// earlier stood in order is dropped, and the rest keep their order.
func TestLastByName(t *testing.T) {
	in := []CheckResult{{Name: "a", Observed: "1"}, {Name: "b", Observed: "2"}, {Name: "a", Observed: "3"}, {Name: "c", Observed: "4"}}
	want := []CheckResult{{Name: "b", Observed: "2"}, {Name: "a", Observed: "3"}, {Name: "c", Observed: "4"}}
	if got := LastByName(in); !reflect.DeepEqual(got, want) {
		t.Errorf("LastByName = %+v, want %+v", got, want)
	}
	if got := LastByName(nil); len(got) != 0 {
		t.Errorf("LastByName(nil) = %+v, want none", got)
	}
}
