package jsonata

import (
	"strconv"
	"testing"

	"github.com/stepd/stepd/jsonvalue"
)

func TestNumberValue(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0", "-0", "1", "-17", "34.45", "0.1", "0.30000000000000004", "123456789012345", "1234567890123456",
		"9007199254740993", "1.5e3", "-2.50", "0.000001", "99999999999999.9", "1e-7", "12345678901234567890", "3.14159265358979"} {
		want, _ := strconv.ParseFloat(s, 64)
		if got := numberValue(jsonvalue.Number(s)); got != want {
			t.Errorf("numberValue(%s) = %v, want %v", s, got, want)
		}
	}
}

// deepEqual is JSONata's equality, which jsonvalue.Equal is not (values.go).
func TestDeepEqualIsJSONatas(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		a, b any
		want bool
	}{
		{"numbers as float64s", jsonvalue.Number("9007199254740993"), jsonvalue.Number("9007199254740992"), true},
		{"1 and 1.0", jsonvalue.Number("1"), 1.0, true},
		{"a sequence is an array", &seq{vals: []any{1.0, "a"}}, []any{1.0, "a"}, true},
		{"undefined", Undefined, Undefined, true},
		{"key order", object("a", 1.0, "b", 2.0), object("b", 2.0, "a", 1.0), true},
		{"arrays in order", []any{1.0, 2.0}, []any{2.0, 1.0}, false},
	} {
		if got := deepEqual(c.a, c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func object(kv ...any) *jsonvalue.Object {
	o := jsonvalue.NewObject(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}
