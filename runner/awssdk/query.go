package awssdk

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

// The query protocol (IAM, STS, SNS, CloudFormation, RDS, ...): the input is
// form-encoded (Action, Version, members by name, lists as .member.N, maps
// as .entry.N.key/.value), the output is XML read by the output shape.

func (c *call) queryEncode(s *shape, v any, path, prefix string, form url.Values) error {
	if v == nil || s == nil {
		return nil
	}
	switch s.Type {
	case "structure":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return &fieldError{path, "must be an object"}
		}
		for k, x := range o.All() {
			name, m, ok := s.member(k)
			if !ok {
				return &fieldError{join(path, k), "is not supported by this API action"}
			}
			wire := name
			if m.LocationName != "" {
				wire = m.LocationName
			}
			ms := c.m.Shapes[m.Shape]
			if ms != nil && ms.Type == "list" && (m.Flattened || ms.Flattened) && ms.Member.LocationName != "" {
				wire = ms.Member.LocationName
			}
			if err := c.queryEncode(ms, x, join(path, k), joinDot(prefix, wire), form); err != nil {
				return err
			}
		}
	case "list":
		a, ok := v.([]any)
		if !ok {
			return &fieldError{path, "must be an array"}
		}
		if len(a) == 0 {
			form.Set(prefix, "")
			return nil
		}
		base := prefix
		if !s.Flattened {
			name := "member"
			if s.Member.LocationName != "" {
				name = s.Member.LocationName
			}
			base = prefix + "." + name
		}
		for i, x := range a {
			if err := c.queryEncode(c.m.Shapes[s.Member.Shape], x, fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s.%d", base, i+1), form); err != nil {
				return err
			}
		}
	case "map":
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return &fieldError{path, "must be an object"}
		}
		base := prefix + ".entry"
		if s.Flattened {
			base = prefix
		}
		keyName, valueName := "key", "value"
		if s.Key.LocationName != "" {
			keyName = s.Key.LocationName
		}
		if s.Value.LocationName != "" {
			valueName = s.Value.LocationName
		}
		i := 0
		for k, x := range o.All() {
			i++
			entry := fmt.Sprintf("%s.%d", base, i)
			form.Set(entry+"."+keyName, k)
			if err := c.queryEncode(c.m.Shapes[s.Value.Shape], x, join(path, k), entry+"."+valueName, form); err != nil {
				return err
			}
		}
	case "blob":
		text, ok := v.(string)
		if !ok {
			return &fieldError{path, "must be a string (base64)"}
		}
		form.Set(prefix, text)
	default:
		text, err := scalarText(s, v, path, "2006-01-02T15:04:05Z")
		if err != nil {
			return err
		}
		form.Set(prefix, text)
	}
	return nil
}

func joinDot(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// xmlNode is an element of a parsed XML document.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

func parseXML(body []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	root := &xmlNode{}
	stack := []*xmlNode{root}
	for {
		tok, err := dec.Token()
		if err != nil {
			if len(stack) == 1 && len(root.children) > 0 {
				return root.children[0], nil
			}
			return nil, fmt.Errorf("malformed XML: %v", err)
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if len(stack) == 1 {
				return root.children[0], nil
			}
		case xml.CharData:
			top.text += string(t)
		}
	}
}

func (n *xmlNode) child(name string) *xmlNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// find returns the first element of a name in the tree.
func (n *xmlNode) find(name string) *xmlNode {
	if n.name == name {
		return n
	}
	for _, c := range n.children {
		if f := c.find(name); f != nil {
			return f
		}
	}
	return nil
}

func (c *call) queryResponse(out *shape, body []byte) (any, error) {
	root, err := parseXML(body)
	if err != nil {
		return nil, err
	}
	node := root
	if c.op.Wrapper != "" {
		if node = root.child(c.op.Wrapper); node == nil {
			return jsonvalue.NewObject(0), nil
		}
	}
	v := c.xmlValue(out, node)
	if _, ok := v.(*jsonvalue.Object); !ok {
		return jsonvalue.NewObject(0), nil
	}
	return v, nil
}

// xmlValue reads an element by its shape.
func (c *call) xmlValue(s *shape, n *xmlNode) any {
	if s == nil {
		return strings.TrimSpace(n.text)
	}
	switch s.Type {
	case "structure":
		type slot struct {
			name      string
			flattened bool
		}
		byXML := map[string]slot{}
		for name, m := range s.Members {
			wire := name
			if m.LocationName != "" {
				wire = m.LocationName
			}
			ms := c.m.Shapes[m.Shape]
			flat := ms != nil && (ms.Type == "list" || ms.Type == "map") && (m.Flattened || ms.Flattened)
			if flat && ms.Type == "list" && m.LocationName == "" && ms.Member.LocationName != "" {
				wire = ms.Member.LocationName
			}
			byXML[wire] = slot{name, flat}
		}
		out := jsonvalue.NewObject(len(n.children))
		for _, ch := range n.children {
			sl, ok := byXML[ch.name]
			if !ok {
				continue
			}
			m := s.Members[sl.name]
			ms := c.m.Shapes[m.Shape]
			key := pascal(sl.name)
			if sl.flattened && ms.Type == "list" {
				prev, _ := out.Get(key)
				list, _ := prev.([]any)
				out.Set(key, append(list, c.xmlValue(c.m.Shapes[ms.Member.Shape], ch)))
				continue
			}
			if sl.flattened && ms.Type == "map" {
				prev, _ := out.Get(key)
				o, _ := prev.(*jsonvalue.Object)
				if o == nil {
					o = jsonvalue.NewObject(1)
				}
				c.xmlEntry(ms, ch, o)
				out.Set(key, o)
				continue
			}
			out.Set(key, c.xmlValue(ms, ch))
		}
		return out
	case "list":
		name := "member"
		if s.Member.LocationName != "" {
			name = s.Member.LocationName
		}
		out := []any{}
		for _, ch := range n.children {
			if ch.name == name {
				out = append(out, c.xmlValue(c.m.Shapes[s.Member.Shape], ch))
			}
		}
		return out
	case "map":
		out := jsonvalue.NewObject(len(n.children))
		for _, ch := range n.children {
			if ch.name == "entry" {
				c.xmlEntry(s, ch, out)
			}
		}
		return out
	}
	return c.scalarValue(s, strings.TrimSpace(n.text), false)
}

func (c *call) xmlEntry(s *shape, entry *xmlNode, out *jsonvalue.Object) {
	keyName, valueName := "key", "value"
	if s.Key.LocationName != "" {
		keyName = s.Key.LocationName
	}
	if s.Value.LocationName != "" {
		valueName = s.Value.LocationName
	}
	k, v := entry.child(keyName), entry.child(valueName)
	if k == nil {
		return
	}
	var val any
	if v != nil {
		val = c.xmlValue(c.m.Shapes[s.Value.Shape], v)
	}
	out.Set(strings.TrimSpace(k.text), val)
}

// queryError reads <ErrorResponse><Error><Code/><Message/></Error><RequestId/>.
func queryError(body []byte) (code, message, requestID string) {
	root, err := parseXML(body)
	if err != nil {
		return "", strings.TrimSpace(string(body)), ""
	}
	if e := root.find("Error"); e != nil {
		if n := e.child("Code"); n != nil {
			code = strings.TrimSpace(n.text)
		}
		if n := e.child("Message"); n != nil {
			message = strings.TrimSpace(n.text)
		}
	}
	if n := root.find("RequestId"); n != nil {
		requestID = strings.TrimSpace(n.text)
	} else if n := root.find("RequestID"); n != nil {
		requestID = strings.TrimSpace(n.text)
	}
	return code, message, requestID
}

func base64Text(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
