package awssdk

import (
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

//go:generate python3 ../../scripts/gen-awssdk-models.py

// models/<service>.json.gz is the service table of the generic AWS SDK
// integrations, generated from botocore's published service models by
// scripts/gen-awssdk-models.py: every service whose protocol is JSON 1.0/1.1,
// REST-JSON or query, with its operations and the shapes they reach, reduced
// to what forwarding a request needs; models/BOTOCORE_VERSION names the
// botocore it came from. A service is decoded on first use.
//
//go:embed models
var modelsFS embed.FS

// model is one service of the table.
type model struct {
	Model          string                `json:"model"` // botocore's directory name
	Name           string                `json:"name"`  // the SDK client name: "SecretsManager"
	Protocol       string                `json:"protocol"`
	EndpointPrefix string                `json:"endpointPrefix"`
	SigningName    string                `json:"signingName"`
	APIVersion     string                `json:"apiVersion"`
	TargetPrefix   string                `json:"targetPrefix"`
	JSONVersion    string                `json:"jsonVersion"`
	GlobalEndpoint string                `json:"globalEndpoint"`
	Operations     map[string]*operation `json:"operations"`
	Shapes         map[string]*shape     `json:"shapes"`

	byAction map[string]string // "getSecretValue" → "GetSecretValue"
	byCode   map[string]string // an error code → its shape's name
}

type operation struct {
	Method  string   `json:"method"`
	URI     string   `json:"uri"`
	Status  int      `json:"status"`
	Input   string   `json:"input"`
	Output  string   `json:"output"`
	Wrapper string   `json:"wrapper"`
	Errors  []string `json:"errors"`
}

type shape struct {
	Type            string             `json:"type"`
	Flattened       bool               `json:"flattened"`
	LocationName    string             `json:"locationName"`
	Payload         string             `json:"payload"`
	TimestampFormat string             `json:"timestampFormat"`
	Members         map[string]*member `json:"members"`
	Member          *member            `json:"member"`
	Key             *member            `json:"key"`
	Value           *member            `json:"value"`
	Code            string             `json:"code"`          // an error shape's wire code, when it differs from its name
	ExceptionName   string             `json:"exceptionName"` // an error's name in the AWS SDK for Java 2 (and Step Functions)

	pascal map[string]string // a structure's members by their PascalCase names
}

type member struct {
	Shape           string `json:"shape"`
	Location        string `json:"location"` // "uri", "querystring", "header", "headers", "statusCode", or "" (the body)
	LocationName    string `json:"locationName"`
	Flattened       bool   `json:"flattened"`
	TimestampFormat string `json:"timestampFormat"`
	JSONValue       bool   `json:"jsonvalue"`
}

var table struct {
	once   sync.Once
	names  []string
	mu     sync.Mutex
	models map[string]*model
}

// modelNames are the services of the table, sorted.
func modelNames() []string {
	table.once.Do(func() {
		entries, err := modelsFS.ReadDir("models")
		if err != nil {
			panic(fmt.Sprintf("awssdk: the embedded service table is missing: %v", err))
		}
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), ".json.gz"); ok {
				table.names = append(table.names, name)
			}
		}
		slices.Sort(table.names)
		table.models = map[string]*model{}
	})
	return table.names
}

// lookupModel returns a service of the table, decoding it on first use, or
// nil when the table has no such service.
func lookupModel(name string) *model {
	if _, ok := slices.BinarySearch(modelNames(), name); !ok {
		return nil
	}
	table.mu.Lock()
	defer table.mu.Unlock()
	if m, ok := table.models[name]; ok {
		return m
	}
	m, err := decodeModel(name)
	if err != nil {
		panic(fmt.Sprintf("awssdk: the embedded model of %s is broken: %v", name, err))
	}
	table.models[name] = m
	return m
}

func decodeModel(name string) (*model, error) {
	f, err := modelsFS.Open("models/" + name + ".json.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	m := &model{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, err
	}
	m.byAction = map[string]string{}
	for op := range m.Operations {
		m.byAction[strings.ToLower(op[:1])+op[1:]] = op
	}
	m.byCode = map[string]string{}
	for name, s := range m.Shapes {
		if s.Code != "" {
			m.byCode[s.Code] = name
		}
		if s.Type == "structure" {
			s.pascal = make(map[string]string, len(s.Members))
			for mn := range s.Members {
				s.pascal[pascal(mn)] = mn
			}
		}
	}
	return m, nil
}

// operation returns the operation of a Step Functions action name
// ("getSecretValue" is GetSecretValue).
func (m *model) operation(action string) (*operation, string, bool) {
	name, ok := m.byAction[action]
	if !ok {
		return nil, "", false
	}
	return m.Operations[name], name, true
}

// errorShape names the modeled error of a wire code, or "".
func (m *model) errorShape(code string) string {
	if s, ok := m.byCode[code]; ok {
		return s
	}
	if s, ok := m.Shapes[code]; ok && s.Type == "structure" {
		return code
	}
	return ""
}

// pascal is a member name as Step Functions writes it: its first letter in
// upper case ("nextToken" is NextToken).
func pascal(name string) string {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return name
	}
	return string(name[0]-'a'+'A') + name[1:]
}
