// Package shapes knows the shapes of the results AWS's service APIs return,
// as Step Functions hands them to a Task state: the output shape of every
// operation of every AWS service, with its members, required members, enums
// and limits, and the field names in Step Functions' case (the first letter
// upper case). TestState checks a mocked result against them
// (fieldValidationMode STRICT or PRESENT).
//
// The data comes from the AWS API models that botocore ships
// (scripts/gen-shapes.py writes data/); a service is read the first time a
// result of it is checked.
package shapes

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
)

//go:embed data
var data embed.FS

// Shape is the shape of a value: a structure, list, map, string, number,
// boolean, timestamp, blob or document (any JSON value).
type Shape struct {
	// Type is botocore's type name: structure, list, map, string, integer,
	// long, float, double, boolean, timestamp, blob, document.
	Type string
	// Members are a structure's fields, by their name in Step Functions'
	// case; Required the names of those that must be present.
	Members  map[string]*Shape
	Required []string
	// Elem is a list's element shape; Value a map's value shape.
	Elem, Value *Shape
	// Enum are the values a string may take (none: any).
	Enum []string
	// Min and Max bound a string's or blob's length, or a number's value.
	Min, Max       float64
	HasMin, HasMax bool
}

// Mode is how strictly Validate checks.
type Mode uint8

// The validation modes of TestState's fieldValidationMode.
const (
	// Strict: required fields must be present, and present fields must
	// conform.
	Strict Mode = iota
	// Present: present fields must conform.
	Present
)

// Error is a value that does not conform to its shape. Message is worded as
// TestState words it, without its "Mock result schema validation error: "
// prefix.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func fieldError(field, format string) error {
	return &Error{Message: fmt.Sprintf("Field '%s' "+format, field)}
}

// Validate checks v against the shape. Fields the shape does not know are
// allowed (the APIs add fields over time).
func (s *Shape) Validate(v any, mode Mode) error { return s.validate(v, mode, "") }

func (s *Shape) validate(v any, mode Mode, field string) error {
	switch s.Type {
	case "document":
		return nil
	case "structure":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			if field == "" {
				return &Error{Message: "The mocked result must be a JSON object"}
			}
			return fieldError(field, "must be an object")
		}
		if mode == Strict {
			for _, name := range s.Required {
				if _, ok := o.Get(name); !ok {
					return &Error{Message: fmt.Sprintf("Required field '%s' is missing", name)}
				}
			}
		}
		for name, val := range o.All() {
			if m := s.Members[name]; m != nil {
				if err := m.validate(val, mode, name); err != nil {
					return err
				}
			}
		}
		return nil
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return fieldError(field, "must be an array")
		}
		for _, item := range arr {
			if err := s.Elem.validate(item, mode, field); err != nil {
				return err
			}
		}
		return nil
	case "map":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return fieldError(field, "must be an object")
		}
		for _, val := range o.All() {
			if err := s.Value.validate(val, mode, field); err != nil {
				return err
			}
		}
		return nil
	case "string", "timestamp", "blob":
		str, ok := v.(string)
		if !ok {
			return fieldError(field, "must be a string")
		}
		if len(s.Enum) > 0 {
			found := false
			for _, e := range s.Enum {
				if e == str {
					found = true
					break
				}
			}
			if !found {
				return fieldError(field, "is not an expected value")
			}
		}
		n := float64(utf8.RuneCountInString(str))
		if s.HasMin && n < s.Min {
			return fieldError(field, "is smaller than the minimum length")
		}
		if s.HasMax && n > s.Max {
			return fieldError(field, "exceeds the maximum length")
		}
		return nil
	case "integer", "long", "float", "double":
		num, ok := v.(jsonvalue.Number)
		if !ok {
			f, isFloat := v.(float64)
			if !isFloat {
				return fieldError(field, "must be a number")
			}
			num = jsonvalue.Number(fmt.Sprint(f))
		}
		if (s.Type == "integer" || s.Type == "long") && !num.IsInteger() {
			return fieldError(field, "must be an integer")
		}
		f, _ := jsonvalue.ToFloat(num)
		if s.HasMin && f < s.Min {
			return fieldError(field, "is less than the minimum value")
		}
		if s.HasMax && f > s.Max {
			return fieldError(field, "exceeds the maximum value")
		}
		return nil
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fieldError(field, "must be a boolean")
		}
	}
	return nil
}

// optimized maps the service names of Step Functions' optimized
// integrations (arn:aws:states:::<service>:<action>) to the AWS API that
// answers them, where the two differ.
var optimized = map[string]string{
	"states":           "stepfunctions",
	"elasticmapreduce": "emr",
	"bedrock":          "bedrock-runtime",
}

// ForResource returns the shape of the result a Task's resource gives, and
// false when stepd does not know it: a Lambda function's or an activity's
// result (whatever the function returns), an HTTP or API Gateway call, a
// .waitForTaskToken result (whatever the callback sends), and the .sync
// patterns of other services than Step Functions (their results are the
// job's description, whose shape the pattern defines).
func ForResource(r asl.Resource) (*Shape, bool) {
	if r.Kind != asl.ResourceIntegration || r.Pattern == asl.PatternWaitForTaskToken {
		return nil, false
	}
	op := upperFirst(r.Action)
	if svc, ok := strings.CutPrefix(r.Service, "aws-sdk:"); ok {
		if r.Pattern != asl.PatternRequestResponse {
			return nil, false
		}
		return Output(svc, op)
	}
	switch {
	case r.Service == "states" && r.Action == "startExecution" && r.Pattern != asl.PatternRequestResponse:
		s, ok := Output("stepfunctions", "DescribeExecution")
		if ok && r.Pattern == asl.PatternSync2 {
			s = withDocuments(s, "Input", "Output")
		}
		return s, ok
	case r.Pattern != asl.PatternRequestResponse, r.Service == "http", r.Service == "apigateway":
		return nil, false
	case r.Service == "lambda" && r.Action == "invoke":
		// The optimized integration hands on the function's result as JSON.
		s, ok := Output("lambda", "Invoke")
		if ok {
			s = withDocuments(s, "Payload")
		}
		return s, ok
	}
	svc := r.Service
	if name, ok := optimized[svc]; ok {
		svc = name
	}
	return Output(svc, op)
}

// withDocuments returns a copy of a structure shape whose named members are
// documents.
func withDocuments(s *Shape, names ...string) *Shape {
	c := *s
	c.Members = make(map[string]*Shape, len(s.Members))
	for k, v := range s.Members {
		c.Members[k] = v
	}
	for _, n := range names {
		if _, ok := c.Members[n]; ok {
			c.Members[n] = &Shape{Type: "document"}
		}
	}
	return &c
}

// Output returns the output shape of an operation ("GetFunction") of a
// service, named as botocore names it ("lambda") or as Step Functions' AWS
// SDK integrations do (its serviceId in lower case without spaces: "sfn",
// "cloudwatchlogs"); false when the service, the operation or its output is
// unknown.
func Output(service, operation string) (*Shape, bool) {
	svc, err := load(service)
	if err != nil || svc == nil {
		return nil, false
	}
	s, ok := svc.ops[operation]
	return s, ok
}

type service struct {
	ops map[string]*Shape
}

var (
	indexOnce sync.Once
	index     map[string]string
	mu        sync.Mutex
	loaded    = map[string]*service{}
)

// load reads a service's shapes once.
func load(name string) (*service, error) {
	indexOnce.Do(func() {
		b, err := data.ReadFile("data/index.json")
		if err == nil {
			err = json.Unmarshal(b, &index)
		}
		if err != nil {
			index = map[string]string{}
		}
	})
	file, ok := index[strings.ToLower(name)]
	if !ok {
		file, ok = index[name]
	}
	if !ok {
		return nil, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if svc, ok := loaded[file]; ok {
		return svc, nil
	}
	svc, err := read(file)
	if err != nil {
		return nil, err
	}
	loaded[file] = svc
	return svc, nil
}

// raw is a shape as data/ keeps it.
type raw struct {
	T  string            `json:"t"`
	M  map[string]string `json:"m"`
	R  []string          `json:"r"`
	E  string            `json:"e"`
	V  string            `json:"v"`
	N  []string          `json:"n"`
	Lo *float64          `json:"lo"`
	Hi *float64          `json:"hi"`
}

func read(file string) (*service, error) {
	b, err := data.ReadFile("data/" + file + ".json.gz")
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Ops    map[string]string `json:"ops"`
		Shapes map[string]raw    `json:"shapes"`
	}
	if err := json.Unmarshal(text, &doc); err != nil {
		return nil, fmt.Errorf("shapes %s: %w", file, err)
	}
	built := map[string]*Shape{}
	var build func(name string) *Shape
	build = func(name string) *Shape {
		if s, ok := built[name]; ok {
			return s
		}
		r, ok := doc.Shapes[name]
		s := &Shape{Type: "document"}
		built[name] = s // before the members: shapes may be recursive
		if !ok {
			return s
		}
		s.Type, s.Enum = r.T, r.N
		if r.Lo != nil {
			s.Min, s.HasMin = *r.Lo, true
		}
		if r.Hi != nil {
			s.Max, s.HasMax = *r.Hi, true
		}
		switch r.T {
		case "structure":
			s.Members = make(map[string]*Shape, len(r.M))
			for k, v := range r.M {
				s.Members[upperFirst(k)] = build(v)
			}
			for _, k := range r.R {
				s.Required = append(s.Required, upperFirst(k))
			}
		case "list":
			s.Elem = build(r.E)
		case "map":
			s.Value = build(r.V)
		}
		return s
	}
	svc := &service{ops: make(map[string]*Shape, len(doc.Ops))}
	for op, out := range doc.Ops {
		svc.ops[op] = build(out)
	}
	return svc, nil
}

// upperFirst is a name in Step Functions' case: the first letter upper case.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
