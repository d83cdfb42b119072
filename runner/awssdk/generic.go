package awssdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awsreq"
)

// Generic runs the AWS SDK integrations of a service of the generated table
// (models/), arn:aws:states:::aws-sdk:<service>:<action>: it builds
// the request from the service's model in its protocol (JSON 1.0/1.1,
// REST-JSON or query), signs it with SigV4 and sends it to the configured
// endpoint, and answers the response in PascalCase member names, or fails
// with <Service>.<Error>. It implements runner.Runner.
type Generic struct {
	name   string // as in Resource ARNs: "secretsmanager"
	ep     Endpoint
	getenv func(string) string
}

var _ runner.Runner = (*Generic)(nil)

// maxResponse bounds the response body read from a service.
const maxResponse = 64 << 20

// Check reports whether the service has the resource's action and pattern.
func (r *Generic) Check(res asl.Resource) error {
	m := lookupModel(r.name)
	if m == nil {
		return fmt.Errorf("the resource %s is not supported by this stepd", res.ARN)
	}
	if _, _, ok := m.operation(res.Action); !ok {
		return fmt.Errorf("the resource %s is not supported: %s has no action %s", res.ARN, r.name, res.Action)
	}
	return checkPattern(res)
}

// Run performs the action.
func (r *Generic) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	if err := r.Check(t.Resource); err != nil {
		return runner.Failed("States.Runtime", err.Error())
	}
	return r.invoke(ctx, t.Resource.Action, t.Input)
}

// invoke performs an action the service's model has, as the AWS SDK
// integrations do.
func (r *Generic) invoke(ctx context.Context, action string, input any) runner.Outcome {
	m := lookupModel(r.name)
	ans, err := r.exchange(ctx, m, action, input)
	if err != nil {
		return exchangeFailure(ctx, err, m.Name)
	}
	if ans.refusal != nil {
		return ans.refusal.sdkOutcome(m)
	}
	return runner.Succeeded(ans.out)
}

// answer is what a service answered to one request.
type answer struct {
	out     any // the result, in PascalCase member names (status < 300)
	status  int
	header  http.Header
	refusal *apiFailure // the service refused the request (status >= 300)
}

// requestID is the answer's request ID, from its headers.
func (a *answer) requestID() string {
	for _, h := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id", "X-Amz-Apigw-Id"} {
		if id := a.header.Get(h); id != "" {
			return id
		}
	}
	return ""
}

// clientError is a request that got no answer, or one that could not be
// read: the SDK's SdkClientException.
type clientError struct{ msg string }

func (e *clientError) Error() string { return e.msg }

// exchange sends the request of an action of m, the service's model, made
// from input, and reads the answer. Its errors are the parameters' (a
// *fieldError), the task's context ending, or a *clientError.
func (r *Generic) exchange(ctx context.Context, m *model, action string, input any) (*answer, error) {
	op, opName, ok := m.operation(action)
	if !ok {
		return nil, &fieldError{msg: fmt.Sprintf("%s has no action %s", r.name, action)}
	}
	if input != nil {
		if _, ok := input.(*jsonvalue.Object); !ok {
			return nil, &fieldError{msg: "The parameters must be an object"}
		}
	}
	c := &call{m: m, op: op, opName: opName}
	req, err := c.request(ctx, r.endpointURL(m), input)
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, &fieldError{msg: err.Error()}
	}
	runner.SetTraceHeaders(req.Header, runner.TraceHeaderFrom(ctx))
	if err := r.sign(ctx, m, req); err != nil {
		return nil, &clientError{"Unable to sign the request: " + err.Error()}
	}
	client := r.ep.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &clientError{"Unable to execute HTTP request: " + rootCause(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &clientError{"Unable to read the HTTP response: " + rootCause(err)}
	}
	ans := &answer{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 300 {
		f := c.refusal(ans, body)
		ans.refusal = &f
		return ans, nil
	}
	if ans.out, err = c.response(resp, body); err != nil {
		return nil, &clientError{"Unable to unmarshall response (" + err.Error() + ")"}
	}
	return ans, nil
}

// exchangeFailure is the outcome of an exchange that got no answer, with
// prefix naming the client's exception ("SQS", "Sqs").
func exchangeFailure(ctx context.Context, err error, prefix string) runner.Outcome {
	if out, ok := parameterFailure(err); ok {
		return out
	}
	if ctx.Err() != nil {
		return runner.Failed("States.Timeout", "")
	}
	return runner.Failed(prefix+".SdkClientException", err.Error())
}

// endpointURL is the configured endpoint, or AWS's own for the region.
func (r *Generic) endpointURL(m *model) string {
	if r.ep.URL != "" {
		return strings.TrimSuffix(r.ep.URL, "/")
	}
	if m.GlobalEndpoint != "" {
		return "https://" + m.GlobalEndpoint
	}
	return "https://" + m.EndpointPrefix + "." + r.region() + ".amazonaws.com"
}

func (r *Generic) region() string {
	if r.ep.Region != "" {
		return r.ep.Region
	}
	return "us-east-1"
}

func (r *Generic) sign(ctx context.Context, m *model, req *http.Request) error {
	var body []byte
	if req.GetBody != nil {
		rc, _ := req.GetBody()
		body, _ = io.ReadAll(rc)
	}
	return awsreq.Sign(ctx, r.ep.config(r.getenv).Credentials, req, body, m.SigningName, r.region())
}

// call is one request of an operation.
type call struct {
	m      *model
	op     *operation
	opName string
}

// request builds the HTTP request of the operation from the task's input.
func (c *call) request(ctx context.Context, base string, input any) (*http.Request, error) {
	in, _ := input.(*jsonvalue.Object)
	if in == nil {
		in = jsonvalue.NewObject(0)
	}
	var inShape *shape
	if c.op.Input != "" {
		inShape = c.m.Shapes[c.op.Input]
	}
	if inShape == nil && in.Len() > 0 {
		return nil, &fieldError{path: in.Keys()[0], msg: "is not supported by this API action"}
	}
	switch c.m.Protocol {
	case "json":
		var body any = jsonvalue.NewObject(0)
		if inShape != nil {
			var err error
			if body, err = c.toWire(inShape, in, "", false); err != nil {
				return nil, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/", bytes.NewReader(jsonvalue.Marshal(body)))
		if err != nil {
			return nil, err
		}
		version := c.m.JSONVersion
		if version == "" {
			version = "1.0"
		}
		req.Header.Set("Content-Type", "application/x-amz-json-"+version)
		req.Header.Set("X-Amz-Target", c.m.TargetPrefix+"."+c.opName)
		return req, nil
	case "query":
		form := url.Values{"Action": {c.opName}, "Version": {c.m.APIVersion}}
		if inShape != nil {
			if err := c.queryEncode(inShape, in, "", "", form); err != nil {
				return nil, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/", strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return req, nil
	default: // rest-json
		return c.restRequest(ctx, base, inShape, in)
	}
}

// member returns the member of a structure named as Step Functions writes
// it (PascalCase) or as the model does.
func (s *shape) member(key string) (string, *member, bool) {
	if m, ok := s.Members[key]; ok {
		return key, m, true
	}
	if name, ok := s.pascal[key]; ok {
		return name, s.Members[name], true
	}
	return "", nil, false
}

// toWire converts a value given in a task's parameters to the service's JSON:
// members renamed to the model's names (locationName in REST-JSON bodies),
// timestamps to epoch seconds, JSON given for a string as its text.
func (c *call) toWire(s *shape, v any, path string, rest bool) (any, error) {
	if v == nil || s == nil {
		return v, nil
	}
	switch s.Type {
	case "structure":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return nil, &fieldError{path, "must be an object"}
		}
		out := jsonvalue.NewObject(o.Len())
		for k, x := range o.All() {
			name, m, ok := s.member(k)
			if !ok {
				return nil, &fieldError{join(path, k), "is not supported by this API action"}
			}
			if x == nil {
				continue
			}
			w, err := c.toWire(c.m.Shapes[m.Shape], x, join(path, k), rest)
			if err != nil {
				return nil, err
			}
			if rest && m.LocationName != "" {
				name = m.LocationName
			}
			out.Set(name, w)
		}
		return out, nil
	case "list":
		a, ok := v.([]any)
		if !ok {
			return nil, &fieldError{path, "must be an array"}
		}
		out := make([]any, len(a))
		for i, x := range a {
			w, err := c.toWire(c.m.Shapes[s.Member.Shape], x, fmt.Sprintf("%s[%d]", path, i), rest)
			if err != nil {
				return nil, err
			}
			out[i] = w
		}
		return out, nil
	case "map":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return nil, &fieldError{path, "must be an object"}
		}
		out := jsonvalue.NewObject(o.Len())
		for k, x := range o.All() {
			w, err := c.toWire(c.m.Shapes[s.Value.Shape], x, join(path, k), rest)
			if err != nil {
				return nil, err
			}
			out.Set(k, w)
		}
		return out, nil
	case "timestamp":
		t, err := parseTime(v)
		if err != nil {
			return nil, &fieldError{path, err.Error()}
		}
		if s.TimestampFormat == "iso8601" {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
		return jsonvalue.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
	case "string":
		if _, ok := v.(string); !ok {
			return jsonvalue.String(v), nil
		}
	}
	return v, nil
}

// fromWire converts a service's JSON to the result Step Functions answers:
// members in PascalCase, timestamps as ISO 8601 text.
func (c *call) fromWire(s *shape, v any, rest bool) any {
	if s == nil || v == nil {
		return v
	}
	switch s.Type {
	case "structure":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return v
		}
		byWire := make(map[string]string, len(s.Members))
		for name, m := range s.Members {
			if m.Location != "" {
				continue
			}
			wire := name
			if rest && m.LocationName != "" {
				wire = m.LocationName
			}
			byWire[wire] = name
		}
		out := jsonvalue.NewObject(o.Len())
		for k, x := range o.All() {
			name, ok := byWire[k]
			if !ok || x == nil {
				continue // the SDK drops members its model does not have, and nulls
			}
			out.Set(pascal(name), c.fromWire(c.m.Shapes[s.Members[name].Shape], x, rest))
		}
		return out
	case "list":
		a, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(a))
		for i, x := range a {
			out[i] = c.fromWire(c.m.Shapes[s.Member.Shape], x, rest)
		}
		return out
	case "map":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return v
		}
		out := jsonvalue.NewObject(o.Len())
		for k, x := range o.All() {
			out.Set(k, c.fromWire(c.m.Shapes[s.Value.Shape], x, rest))
		}
		return out
	case "timestamp":
		if t, err := wireTime(v); err == nil {
			return formatTime(t)
		}
	}
	return v
}

// wireTime reads a timestamp as services send them: epoch seconds, ISO 8601
// or RFC 1123 text.
func wireTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case jsonvalue.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return time.Time{}, err
		}
		return time.UnixMilli(int64(f * 1000)).UTC(), nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", http.TimeFormat, time.RFC1123Z} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return time.UnixMilli(int64(f * 1000)).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %s", jsonvalue.String(v))
}

// formatTime writes a timestamp as the AWS SDK integrations answer it (and
// as the typed clients' codec does).
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// restRequest builds a REST-JSON request: members bound to the URI, the query
// string and headers, the rest (or the payload member) in the body.
func (c *call) restRequest(ctx context.Context, base string, s *shape, in *jsonvalue.Object) (*http.Request, error) {
	path, rawQuery, _ := strings.Cut(c.op.URI, "?")
	query, _ := url.ParseQuery(rawQuery)
	for k, vs := range query {
		if len(vs) == 1 && vs[0] == "" {
			query[k] = nil // a bare key ("?versioning") stays bare
		}
	}
	header := http.Header{}
	body := jsonvalue.NewObject(0)
	var payload []byte
	hasBody := false
	if s != nil {
		for _, m := range s.Members {
			if m.Location == "" {
				hasBody = true
			}
		}
		for k, v := range in.All() {
			name, m, ok := s.member(k)
			if !ok {
				return nil, &fieldError{k, "is not supported by this API action"}
			}
			if v == nil {
				continue
			}
			ms := c.m.Shapes[m.Shape]
			loc := m.LocationName
			if loc == "" {
				loc = name
			}
			switch m.Location {
			case "uri":
				text, err := scalarText(ms, v, k, time.RFC3339)
				if err != nil {
					return nil, err
				}
				esc := url.PathEscape(text)
				if strings.Contains(path, "{"+loc+"+}") {
					esc = strings.ReplaceAll(esc, "%2F", "/")
					path = strings.ReplaceAll(path, "{"+loc+"+}", esc)
				} else {
					path = strings.ReplaceAll(path, "{"+loc+"}", esc)
				}
			case "querystring":
				if err := c.restQuery(ms, v, k, loc, query); err != nil {
					return nil, err
				}
			case "header":
				text, err := headerText(ms, m, v, k)
				if err != nil {
					return nil, err
				}
				header.Set(loc, text)
			case "headers":
				o, ok := v.(*jsonvalue.Object)
				if !ok {
					return nil, &fieldError{k, "must be an object"}
				}
				for hk, hv := range o.All() {
					text, _ := hv.(string)
					header.Set(m.LocationName+hk, text)
				}
			default:
				if s.Payload == name && ms != nil {
					switch ms.Type {
					case "structure":
						w, err := c.toWire(ms, v, k, true)
						if err != nil {
							return nil, err
						}
						payload = jsonvalue.Marshal(w)
					default:
						if text, ok := v.(string); ok {
							payload = []byte(text)
						} else {
							payload = jsonvalue.Marshal(v)
						}
					}
					continue
				}
				w, err := c.toWire(ms, v, k, true)
				if err != nil {
					return nil, err
				}
				body.Set(loc, w)
			}
		}
	}
	if strings.Contains(path, "{") {
		return nil, &fieldError{msg: fmt.Sprintf("The parameters of %s:%s lack a member bound to %s", c.m.Model, pascalAction(c.opName), path)}
	}
	var reader io.Reader
	switch {
	case payload != nil:
		reader = bytes.NewReader(payload)
	case s != nil && s.Payload != "":
	case hasBody || body.Len() > 0:
		payload = jsonvalue.Marshal(body)
		reader = bytes.NewReader(payload)
		header.Set("Content-Type", "application/json")
	}
	u := base + path
	if q := encodeQuery(query); q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, c.op.Method, u, reader)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return req, nil
}

func pascalAction(op string) string { return strings.ToLower(op[:1]) + op[1:] }

// encodeQuery encodes a query string, keeping keys without values bare.
func encodeQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		if vs == nil {
			parts = append(parts, url.QueryEscape(k))
			continue
		}
		for _, v := range vs {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

func (c *call) restQuery(s *shape, v any, path, loc string, q url.Values) error {
	switch s.Type {
	case "list":
		a, ok := v.([]any)
		if !ok {
			return &fieldError{path, "must be an array"}
		}
		for _, x := range a {
			text, err := scalarText(c.m.Shapes[s.Member.Shape], x, path, time.RFC3339)
			if err != nil {
				return err
			}
			q.Add(loc, text)
		}
	case "map":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return &fieldError{path, "must be an object"}
		}
		for k, x := range o.All() {
			if err := c.restQuery(c.m.Shapes[s.Value.Shape], x, join(path, k), k, q); err != nil {
				return err
			}
		}
	default:
		text, err := scalarText(s, v, path, time.RFC3339)
		if err != nil {
			return err
		}
		q.Set(loc, text)
	}
	return nil
}

func headerText(s *shape, m *member, v any, path string) (string, error) {
	if m.JSONValue {
		return base64Text(jsonvalue.Marshal(v)), nil
	}
	return scalarText(s, v, path, http.TimeFormat)
}

// scalarText writes a scalar as text (URI, query string, header, query
// protocol form), timestamps in the layout given.
func scalarText(s *shape, v any, path, layout string) (string, error) {
	switch x := v.(type) {
	case string:
		if s != nil && s.Type == "timestamp" {
			t, err := parseTime(x)
			if err != nil {
				return "", &fieldError{path, err.Error()}
			}
			return t.UTC().Format(layout), nil
		}
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case jsonvalue.Number:
		if s != nil && s.Type == "timestamp" {
			t, err := wireTime(x)
			if err != nil {
				return "", &fieldError{path, err.Error()}
			}
			return t.UTC().Format(layout), nil
		}
		return string(x), nil
	case *jsonvalue.Object, []any:
		if s != nil && s.Type == "string" {
			return jsonvalue.String(v), nil
		}
		return "", &fieldError{path, "must be a scalar"}
	}
	return jsonvalue.String(v), nil
}

// response converts a successful response to the task's result.
func (c *call) response(resp *http.Response, body []byte) (any, error) {
	var out *shape
	if c.op.Output != "" {
		out = c.m.Shapes[c.op.Output]
	}
	if out == nil {
		return jsonvalue.NewObject(0), nil
	}
	switch c.m.Protocol {
	case "query":
		return c.queryResponse(out, body)
	case "json":
		return c.jsonBody(out, body, false)
	}
	// REST-JSON: the body (or its payload member), then headers and status.
	var result *jsonvalue.Object
	if out.Payload != "" {
		result = jsonvalue.NewObject(1)
		pm := out.Members[out.Payload]
		ps := c.m.Shapes[pm.Shape]
		switch {
		case ps.Type == "structure" && len(body) > 0:
			v, err := c.jsonBody(ps, body, true)
			if err != nil {
				return nil, err
			}
			result.Set(pascal(out.Payload), v)
		case ps.Type != "structure":
			result.Set(pascal(out.Payload), string(body))
		}
	} else {
		v, err := c.jsonBody(out, body, true)
		if err != nil {
			return nil, err
		}
		result = v.(*jsonvalue.Object)
	}
	for name, m := range out.Members {
		ms := c.m.Shapes[m.Shape]
		switch m.Location {
		case "statusCode":
			result.Set(pascal(name), jsonvalue.Int(int64(resp.StatusCode)))
		case "header":
			text := resp.Header.Get(m.LocationName)
			if text == "" {
				continue
			}
			result.Set(pascal(name), c.scalarValue(ms, text, m.JSONValue))
		case "headers":
			o := jsonvalue.NewObject(0)
			for k := range resp.Header {
				if len(k) > len(m.LocationName) && strings.EqualFold(k[:len(m.LocationName)], m.LocationName) {
					o.Set(k[len(m.LocationName):], resp.Header.Get(k))
				}
			}
			if o.Len() > 0 {
				result.Set(pascal(name), o)
			}
		}
	}
	return result, nil
}

func (c *call) jsonBody(s *shape, body []byte, rest bool) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return jsonvalue.NewObject(0), nil
	}
	v, err := jsonvalue.Parse(body)
	if err != nil {
		return nil, err
	}
	out := c.fromWire(s, v, rest)
	if _, ok := out.(*jsonvalue.Object); !ok {
		return jsonvalue.NewObject(0), nil
	}
	return out, nil
}

// scalarValue reads a scalar sent as text (a header, a query protocol XML
// element) by its shape.
func (c *call) scalarValue(s *shape, text string, jsonValue bool) any {
	if jsonValue {
		if b, err := base64Decode(text); err == nil {
			if v, err := jsonvalue.Parse(b); err == nil {
				return v
			}
		}
		return text
	}
	if s == nil {
		return text
	}
	switch s.Type {
	case "integer", "long", "float", "double", "bigdecimal", "biginteger":
		if json.Valid([]byte(text)) {
			return jsonvalue.Number(text)
		}
	case "boolean":
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	case "timestamp":
		if t, err := wireTime(text); err == nil {
			return formatTime(t)
		}
	}
	return text
}

// sdkOutcome names a service's refusal as the AWS SDK integrations do:
// <Service>.<ErrorShape> (with "Exception" appended when the name lacks it),
// the cause in the form of the AWS SDK for Java 2.
func (f *apiFailure) sdkOutcome(m *model) runner.Outcome {
	name := m.Name + "Exception"
	switch {
	case f.typeName != "":
		name = withException(f.typeName)
		if sh := m.Shapes[f.typeName]; sh != nil && sh.ExceptionName != "" {
			name = sh.ExceptionName
		}
	case f.code != "":
		name = withException(f.code)
	}
	cause := fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", f.message, m.Name, f.status, f.requestID)
	return runner.Failed(m.Name+"."+name, cause)
}

// refusal reads a service's refusal of the call: its code, message and
// request ID, and the error shape the model gives the code.
func (c *call) refusal(ans *answer, body []byte) apiFailure {
	f := apiFailure{status: ans.status}
	typeCode := ""
	if c.m.Protocol == "query" {
		f.code, f.message, f.requestID = queryError(body)
		typeCode = f.code
	} else {
		f.code, typeCode, f.message = awsreq.JSONError(ans.header, body)
	}
	if f.requestID == "" {
		f.requestID = ans.requestID()
	}
	if typeCode != "" {
		f.typeName = c.m.errorShape(typeCode)
	}
	if f.typeName == "" && f.code != typeCode {
		f.typeName = c.m.errorShape(f.code)
	}
	return f
}
