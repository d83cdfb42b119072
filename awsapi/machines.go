package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
)

// Constraints of the Step Functions model.
const (
	maxDefinition = 1048576 // characters of a definition
	maxARN        = 256
	maxLongARN    = 2000
	maxPayload    = 262144 // bytes of an input or output
	maxError      = 256
	maxCause      = 32768
	maxTags       = 50
)

// The state machine types.
const (
	typeStandard = "STANDARD"
	typeExpressM = "EXPRESS"
)

// initialRevision prefixes the revision ID of a machine's first definition,
// which AWS does not expose (revisionId is null until the first update).
const initialRevision = "initial:"

func publicRevision(rev string) string {
	if strings.HasPrefix(rev, initialRevision) {
		return ""
	}
	return rev
}

type tagEntry struct {
	Key   *string `json:"key,omitempty"`
	Value *string `json:"value,omitempty"`
}

// loggingConfiguration is LoggingConfiguration; a machine keeps it normalized
// (level and includeExecutionData always set).
type loggingConfiguration struct {
	Level                *string `json:"level,omitempty"`
	IncludeExecutionData *bool   `json:"includeExecutionData,omitempty"`
	// Destinations is a pointer so that an empty list, given, is described
	// as given ("destinations": [], as AWS describes it) and none is not.
	Destinations *[]logDestination `json:"destinations,omitempty"`
}

func (c *loggingConfiguration) destinations() []logDestination {
	if c.Destinations == nil {
		return nil
	}
	return *c.Destinations
}

type logDestination struct {
	CloudWatchLogsLogGroup *struct {
		LogGroupArn *string `json:"logGroupArn,omitempty"`
	} `json:"cloudWatchLogsLogGroup,omitempty"`
}

type tracingConfiguration struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// encryptionConfiguration is EncryptionConfiguration. stepd keeps and
// describes it; it encrypts nothing with KMS (docs/api.md).
type encryptionConfiguration struct {
	Type                         *string `json:"type,omitempty"`
	KmsKeyID                     *string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int64  `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// CodeInvalidEncryptionConfiguration: an encryptionConfiguration that the
// model's constraints allow but that does not hold together.
const CodeInvalidEncryptionConfiguration = "InvalidEncryptionConfiguration"

// normalizeEncryption checks an encryption configuration and returns its
// stored form ("" for none).
func normalizeEncryption(v *validation, raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var c encryptionConfiguration
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", serializationError("encryptionConfiguration is not an EncryptionConfiguration structure")
	}
	v.required("encryptionConfiguration.type", c.Type != nil)
	v.enum("encryptionConfiguration.type", c.Type, "AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY")
	v.length("encryptionConfiguration.kmsKeyId", c.KmsKeyID, 1, 2048, false)
	v.rangeInt("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", c.KmsDataKeyReusePeriodSeconds, 60, 900)
	if err := v.err(); err != nil {
		return "", err
	}
	switch {
	case *c.Type == "CUSTOMER_MANAGED_KMS_KEY" && c.KmsKeyID == nil:
		return "", errorf(CodeInvalidEncryptionConfiguration, "Invalid Encryption Configuration: kmsKeyId is required when type is CUSTOMER_MANAGED_KMS_KEY")
	case *c.Type == "AWS_OWNED_KEY" && (c.KmsKeyID != nil || c.KmsDataKeyReusePeriodSeconds != nil):
		return "", errorf(CodeInvalidEncryptionConfiguration, "Invalid Encryption Configuration: kmsKeyId and kmsDataKeyReusePeriodSeconds can only be set when type is CUSTOMER_MANAGED_KMS_KEY")
	}
	if *c.Type == "CUSTOMER_MANAGED_KMS_KEY" && c.KmsDataKeyReusePeriodSeconds == nil {
		period := int64(300) // AWS's default
		c.KmsDataKeyReusePeriodSeconds = &period
	}
	b, _ := json.Marshal(c)
	return string(b), nil
}

// encryptionOf is the encryption configuration a description gives: the one
// stored, or AWS's default, AWS_OWNED_KEY, which AWS reports when none was
// given (its recordings of DescribeStateMachine).
func encryptionOf(stored string) *encryptionConfiguration {
	var c encryptionConfiguration
	if stored == "" || json.Unmarshal([]byte(stored), &c) != nil || c.Type == nil {
		owned := "AWS_OWNED_KEY"
		return &encryptionConfiguration{Type: &owned}
	}
	return &c
}

// logGroupARN is the form of a CloudWatch Logs log group's ARN, as a logging
// destination names it (with or without the trailing ":*"). The name has no
// bound of its own here: the ARN's 256 characters (the API's length check,
// made first) are the tighter one, and {1,512} would compile to 512 copies of
// the class, which cost every start of stepd a millisecond.
var logGroupARN = regexp.MustCompile(`^arn:[a-z0-9-]+:logs:[a-z0-9-]+:[0-9]{12}:log-group:[\w.#/-]+(:\*)?$`)

// normalizeLogging checks a logging configuration and returns its stored
// form; nil is the default (level OFF).
func normalizeLogging(v *validation, c *loggingConfiguration) (string, error) {
	off, no := "OFF", false
	if c == nil {
		c = &loggingConfiguration{}
	}
	v.enum("loggingConfiguration.level", c.Level, "ALL", "ERROR", "FATAL", "OFF")
	for i, d := range c.destinations() {
		if d.CloudWatchLogsLogGroup != nil {
			v.length("loggingConfiguration.destinations."+strconv.Itoa(i+1)+".member.cloudWatchLogsLogGroup.logGroupArn",
				d.CloudWatchLogsLogGroup.LogGroupArn, 1, maxARN, false)
		}
	}
	if err := v.err(); err != nil {
		return "", err
	}
	if c.Level == nil {
		c.Level = &off
	}
	if c.IncludeExecutionData == nil {
		c.IncludeExecutionData = &no
	}
	if len(c.destinations()) > 1 || (*c.Level != "OFF" && len(c.destinations()) == 0) {
		return "", errorf(CodeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	for _, d := range c.destinations() {
		if d.CloudWatchLogsLogGroup == nil || d.CloudWatchLogsLogGroup.LogGroupArn == nil || !logGroupARN.MatchString(*d.CloudWatchLogsLogGroup.LogGroupArn) {
			arn := ""
			if d.CloudWatchLogsLogGroup != nil && d.CloudWatchLogsLogGroup.LogGroupArn != nil {
				arn = *d.CloudWatchLogsLogGroup.LogGroupArn
			}
			return "", errorf(CodeInvalidLoggingConfiguration,
				"Invalid Logging Configuration: The log destination must be a CloudWatch Logs log group ARN (arn:<partition>:logs:<region>:<account>:log-group:<name>:*): '%s'", clip(arn))
		}
	}
	b, _ := json.Marshal(c)
	return string(b), nil
}

func normalizeTracing(c *tracingConfiguration) string {
	enabled := c != nil && c.Enabled != nil && *c.Enabled
	b, _ := json.Marshal(tracingConfiguration{Enabled: &enabled})
	return string(b)
}

// loggingOf and tracingOf return a machine's configurations for Describe*.
func loggingOf(sm *store.StateMachine) *loggingConfiguration {
	c := &loggingConfiguration{}
	if sm == nil || sm.Logging == "" || json.Unmarshal([]byte(sm.Logging), c) != nil {
		off, no := "OFF", false
		c = &loggingConfiguration{Level: &off, IncludeExecutionData: &no}
	}
	return c
}

func tracingOf(sm *store.StateMachine) *tracingConfiguration {
	c := &tracingConfiguration{}
	if sm == nil || sm.Tracing == "" || json.Unmarshal([]byte(sm.Tracing), c) != nil || c.Enabled == nil {
		no := false
		c = &tracingConfiguration{Enabled: &no}
	}
	return c
}

// checkTags checks the tags of a request.
func checkTags(v *validation, field string, tags []tagEntry) {
	for i, t := range tags {
		prefix := field + "." + strconv.Itoa(i+1) + ".member."
		v.required(prefix+"key", t.Key != nil)
		v.length(prefix+"key", t.Key, 1, 128, false)
		v.length(prefix+"value", t.Value, 0, 256, false)
	}
}

func storeTags(tags []tagEntry) []store.Tag {
	out := make([]store.Tag, 0, len(tags))
	for _, t := range tags {
		tag := store.Tag{Key: *t.Key}
		if t.Value != nil {
			tag.Value = *t.Value
		}
		out = append(out, tag)
	}
	return out
}

// parseDefinition validates a definition for a machine type, and its Task
// resources with Options.CheckResource.
func (h *Handler) parseDefinition(text, typ string) error {
	def, err := validate.Parse([]byte(text), validate.Options{Type: typ})
	if err != nil {
		return invalidDefinition(err)
	}
	if h.checkRes == nil && h.checkMap == nil {
		return nil
	}
	var diags []asl.Diagnostic
	for _, g := range def.Graphs() {
		for _, st := range g.States {
			if st.Map != nil && h.checkMap != nil {
				if loc, err := h.checkMap(st); err != nil {
					diags = append(diags, asl.Diagnostic{Code: asl.CodeSchemaValidationFailed, Message: err.Error(), Location: st.Location + loc})
				}
			}
			if st.Task == nil || h.checkRes == nil {
				continue
			}
			if err := h.checkRes(st.Task.Resource); err != nil {
				diags = append(diags, asl.Diagnostic{Code: asl.CodeSchemaValidationFailed, Message: err.Error(), Location: st.Location + "/Resource"})
			}
		}
	}
	if len(diags) > 0 {
		return invalidDefinition(&asl.DefinitionError{Diagnostics: diags})
	}
	return nil
}

// checkPublish checks publish and versionDescription, and reports whether a
// version is to be published.
func checkPublish(v *validation, publish *bool, description *string) (bool, error) {
	v.length("versionDescription", description, 0, 256, true)
	if err := v.err(); err != nil {
		return false, err
	}
	if description != nil && (publish == nil || !*publish) {
		return false, errorf(CodeValidationException, "Version description can only be set when publish is true")
	}
	return publish != nil && *publish, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type createStateMachineInput struct {
	Name                    *string               `json:"name"`
	Definition              *string               `json:"definition"`
	RoleArn                 *string               `json:"roleArn"`
	Type                    *string               `json:"type"`
	LoggingConfiguration    *loggingConfiguration `json:"loggingConfiguration"`
	TracingConfiguration    *tracingConfiguration `json:"tracingConfiguration"`
	Tags                    []tagEntry            `json:"tags"`
	Publish                 *bool                 `json:"publish"`
	VersionDescription      *string               `json:"versionDescription"`
	EncryptionConfiguration json.RawMessage       `json:"encryptionConfiguration"`
}

type createStateMachineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           epoch  `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

func (h *Handler) createStateMachine(ctx context.Context, body []byte) (any, error) {
	var in createStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("name", in.Name != nil)
	v.required("definition", in.Definition != nil)
	v.required("roleArn", in.RoleArn != nil)
	v.length("definition", in.Definition, 1, maxDefinition, true)
	v.length("roleArn", in.RoleArn, 1, maxARN, false)
	v.enum("type", in.Type, typeStandard, typeExpressM)
	checkTags(&v, "tags", in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	publish, err := checkPublish(&v, in.Publish, in.VersionDescription)
	if err != nil {
		return nil, err
	}
	if !validName(*in.Name) {
		return nil, invalidName(*in.Name)
	}
	if !validRoleARN(*in.RoleArn) {
		return nil, invalidArn("Invalid ARN prefix: " + *in.RoleArn)
	}
	typ := typeStandard
	if in.Type != nil {
		typ = *in.Type
	}
	logging, err := normalizeLogging(&v, in.LoggingConfiguration)
	if err != nil {
		return nil, err
	}
	if err := h.svc.CheckLogDestination(ctx, logging); err != nil {
		return nil, apiErrorOf(err)
	}
	tracing := normalizeTracing(in.TracingConfiguration)
	encryption, err := normalizeEncryption(&v, in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	arn := h.arnOf(ctx, typeStateMachine, *in.Name)
	// answer publishes the version asked for, if any, of the machine made or
	// found.
	answer := func(m *store.StateMachine) (any, error) {
		out := createStateMachineOutput{StateMachineArn: m.ARN, CreationDate: epoch(m.CreatedAt)}
		if publish {
			ver, err := h.publishVersion(ctx, m, nil, deref(in.VersionDescription))
			if err != nil {
				return nil, err
			}
			out.StateMachineVersionArn = ver.ARN
		}
		return out, nil
	}
	if len(in.Tags) > maxTags {
		return nil, tooManyTags(arn)
	}
	if err := h.parseDefinition(*in.Definition, typ); err != nil {
		return nil, err
	}
	now := h.now()
	sm := &store.StateMachine{
		ARN: arn, Name: *in.Name, Type: typ, Status: "ACTIVE", RoleARN: *in.RoleArn,
		RevisionID: initialRevision + engine.CryptoSource{}.UUID(), Logging: logging, Tracing: tracing, Encryption: encryption,
		CreatedAt: now, UpdatedAt: now,
	}
	def := &store.Definition{RevisionID: sm.RevisionID, MachineARN: sm.ARN, Text: *in.Definition, Logging: sm.Logging, Tracing: sm.Tracing, CreatedAt: now}
	for attempt := 0; ; attempt++ {
		existing, err := h.store.StateMachineGet(ctx, sm.ARN)
		switch {
		case err == nil:
			// AWS's idempotency: the same name, definition, type and configurations
			// return the machine (roleArn and tags are ignored, as AWS ignores them).
			same, err := h.sameMachine(ctx, existing, sm, def.Text)
			if err != nil {
				return nil, err
			}
			if !same {
				return nil, errorf(CodeStateMachineAlreadyExists, "State Machine Already Exists: '%s'", sm.ARN)
			}
			return answer(existing)
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		h.svc.MachineChanged(sm.ARN) // a machine of that name deleted and created again
		err = h.store.StateMachineCreate(ctx, sm, def)
		if errors.Is(err, store.ErrExists) && attempt == 0 {
			continue // created meanwhile: answer as for an existing one
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if len(in.Tags) > 0 {
		if err := h.store.TagsSet(ctx, sm.ARN, storeTags(in.Tags)); err != nil {
			return nil, err
		}
	}
	return answer(sm)
}

// sameMachine reports whether an existing machine has the configuration of a
// CreateStateMachine request.
func (h *Handler) sameMachine(ctx context.Context, existing, want *store.StateMachine, text string) (bool, error) {
	if existing.Type != want.Type || existing.Logging != want.Logging || existing.Tracing != want.Tracing || existing.Encryption != want.Encryption {
		return false, nil
	}
	d, err := h.store.DefinitionGet(ctx, existing.RevisionID)
	if err != nil {
		return false, err
	}
	return d.Text == text, nil
}

type updateStateMachineInput struct {
	StateMachineArn         *string               `json:"stateMachineArn"`
	Definition              *string               `json:"definition"`
	RoleArn                 *string               `json:"roleArn"`
	LoggingConfiguration    *loggingConfiguration `json:"loggingConfiguration"`
	TracingConfiguration    *tracingConfiguration `json:"tracingConfiguration"`
	Publish                 *bool                 `json:"publish"`
	VersionDescription      *string               `json:"versionDescription"`
	EncryptionConfiguration json.RawMessage       `json:"encryptionConfiguration"`
}

type updateStateMachineOutput struct {
	UpdateDate             epoch  `json:"updateDate"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

func (h *Handler) updateStateMachine(ctx context.Context, body []byte) (any, error) {
	var in updateStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, maxARN, false)
	v.length("definition", in.Definition, 1, maxDefinition, true)
	v.length("roleArn", in.RoleArn, 1, maxARN, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := parseARN(*in.StateMachineArn, typeStateMachine); err != nil {
		return nil, err
	}
	publish, err := checkPublish(&v, in.Publish, in.VersionDescription)
	if err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && len(in.EncryptionConfiguration) == 0 {
		return nil, errorf(CodeMissingRequiredParameter,
			"Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	sm, err := h.machine(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.RoleArn != nil && !validRoleARN(*in.RoleArn) {
		return nil, invalidArn("Invalid ARN prefix: " + *in.RoleArn)
	}
	next := *sm
	if in.RoleArn != nil {
		next.RoleARN = *in.RoleArn
	}
	if in.LoggingConfiguration != nil {
		if next.Logging, err = normalizeLogging(&v, in.LoggingConfiguration); err != nil {
			return nil, err
		}
		if err := h.svc.CheckLogDestination(ctx, next.Logging); err != nil {
			return nil, apiErrorOf(err)
		}
	}
	if in.TracingConfiguration != nil {
		next.Tracing = normalizeTracing(in.TracingConfiguration)
	}
	if len(in.EncryptionConfiguration) > 0 {
		if next.Encryption, err = normalizeEncryption(&v, in.EncryptionConfiguration); err != nil {
			return nil, err
		}
	}
	current, err := h.store.DefinitionGet(ctx, sm.RevisionID)
	if err != nil {
		return nil, err
	}
	text := current.Text
	if in.Definition != nil {
		if err := h.parseDefinition(*in.Definition, sm.Type); err != nil {
			return nil, err
		}
		text = *in.Definition
	}
	answer := func(m *store.StateMachine, out updateStateMachineOutput) (any, error) {
		if publish {
			ver, err := h.publishVersion(ctx, m, nil, deref(in.VersionDescription))
			if err != nil {
				return nil, err
			}
			out.StateMachineVersionArn = ver.ARN
		}
		return out, nil
	}
	if text == current.Text && next.RoleARN == sm.RoleARN && next.Logging == sm.Logging && next.Tracing == sm.Tracing && next.Encryption == sm.Encryption {
		// Nothing changes: no new revision, as AWS answers the same revisionId.
		return answer(sm, updateStateMachineOutput{UpdateDate: epoch(sm.UpdatedAt), RevisionID: publicRevision(sm.RevisionID)})
	}
	now := h.now()
	next.RevisionID = engine.CryptoSource{}.UUID()
	next.UpdatedAt = now
	def := &store.Definition{RevisionID: next.RevisionID, MachineARN: sm.ARN, Text: text, Logging: next.Logging, Tracing: next.Tracing, CreatedAt: now}
	defer h.svc.MachineChanged(sm.ARN)
	if err := h.store.StateMachineUpdate(ctx, &next, def); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, machineNotFound(sm.ARN)
		}
		return nil, err
	}
	return answer(&next, updateStateMachineOutput{UpdateDate: epoch(now), RevisionID: next.RevisionID})
}

// machine returns a state machine of the call's account by ARN, or
// StateMachineDoesNotExist.
func (h *Handler) machine(ctx context.Context, arn string) (*store.StateMachine, error) {
	if h.foreign(ctx, arn) {
		return nil, machineNotFound(arn)
	}
	sm, err := h.store.StateMachineGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, machineNotFound(arn)
	}
	return sm, err
}

type arnInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	IncludedData    *string `json:"includedData"`
}

// machineARNInput decodes and checks a request naming a state machine.
func machineARNInput(body []byte) (*arnInput, error) {
	var in arnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, maxARN, false)
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := parseARN(*in.StateMachineArn, typeStateMachine); err != nil {
		return nil, err
	}
	return &in, nil
}

func (h *Handler) deleteStateMachine(ctx context.Context, body []byte) (any, error) {
	in, err := machineARNInput(body)
	if err != nil {
		return nil, err
	}
	// Deleting a machine that does not exist succeeds, as on AWS. Its
	// executions and definition revisions stay.
	if h.foreign(ctx, *in.StateMachineArn) {
		return struct{}{}, nil
	}
	defer h.svc.MachineChanged(*in.StateMachineArn)
	if err := h.store.StateMachineDelete(ctx, *in.StateMachineArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

type describeStateMachineOutput struct {
	StateMachineArn      string                `json:"stateMachineArn"`
	Name                 string                `json:"name"`
	Status               string                `json:"status,omitempty"`
	Definition           string                `json:"definition"`
	RoleArn              string                `json:"roleArn"`
	Type                 string                `json:"type"`
	CreationDate         epoch                 `json:"creationDate"`
	LoggingConfiguration *loggingConfiguration `json:"loggingConfiguration,omitempty"`
	TracingConfiguration *tracingConfiguration `json:"tracingConfiguration,omitempty"`
	RevisionID           string                `json:"revisionId,omitempty"`
	Description          string                `json:"description,omitempty"`

	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string      `json:"variableReferences,omitempty"`
}

// variableReferences is a definition's variableReferences: for each state
// that reads workflow variables, their names (asl.Definition.VariableReferences).
// It is nil, and left out of the answer, when no state reads one, and when
// includedData is METADATA_ONLY, which keeps the definition's content out.
func variableReferences(text string, metadataOnly bool) map[string][]string {
	if metadataOnly {
		return nil
	}
	def, err := validate.Parse([]byte(text), validate.Options{})
	if err != nil {
		return nil // stored before a stricter check: nothing to tell
	}
	return def.VariableReferences()
}

func (h *Handler) describeStateMachine(ctx context.Context, body []byte) (any, error) {
	in, err := machineARNInput(body)
	if err != nil {
		return nil, err
	}
	if _, q := service.SplitQualified(*in.StateMachineArn); service.IsVersionQualifier(q) {
		return h.describeVersion(ctx, *in.StateMachineArn, in.IncludedData != nil && *in.IncludedData == "METADATA_ONLY")
	}
	sm, err := h.machine(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	def, err := h.store.DefinitionGet(ctx, sm.RevisionID)
	if err != nil {
		return nil, err
	}
	text := def.Text
	metadataOnly := in.IncludedData != nil && *in.IncludedData == "METADATA_ONLY"
	refs := variableReferences(text, metadataOnly)
	if metadataOnly {
		text = "{}"
	}
	return describeStateMachineOutput{
		StateMachineArn: sm.ARN, Name: sm.Name, Status: sm.Status, Definition: text, RoleArn: sm.RoleARN, Type: sm.Type,
		CreationDate: epoch(sm.CreatedAt), LoggingConfiguration: loggingOf(sm), TracingConfiguration: tracingOf(sm),
		RevisionID: publicRevision(sm.RevisionID), EncryptionConfiguration: encryptionOf(sm.Encryption),
		VariableReferences: refs,
	}, nil
}

type listInput struct {
	MaxResults *int64  `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

type stateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    epoch  `json:"creationDate"`
}

type listStateMachinesOutput struct {
	StateMachines []stateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

// listStart checks a listing's paging and returns its page size and the ARN
// it continues after. When accounts are apart (apart), the listing keeps to
// the ARNs that start with prefix, and its tokens are good for that account
// only.
func (h *Handler) listStart(ctx context.Context, body []byte, op, prefix string, apart bool) (limit int, after string, err error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return 0, "", err
	}
	var v validation
	limit = pageSize(&v, in.MaxResults)
	v.length("nextToken", in.NextToken, 1, 1024, false)
	if err := v.err(); err != nil {
		return 0, "", err
	}
	if in.NextToken != nil {
		c, err := h.decodeToken(*in.NextToken, op, listScope(prefix, apart))
		if err != nil {
			return 0, "", err
		}
		after = c.After
	}
	if apart && after < prefix {
		after = prefix
	}
	return limit, after, nil
}

// listScope is the scope of a listing's tokens: the account's ARN prefix
// when accounts are apart.
func listScope(prefix string, apart bool) string {
	if apart {
		return prefix
	}
	return ""
}

func (h *Handler) listStateMachines(ctx context.Context, body []byte) (any, error) {
	prefix, apart := h.arnPrefix(ctx, typeStateMachine)
	limit, after, err := h.listStart(ctx, body, "ListStateMachines", prefix, apart)
	if err != nil {
		return nil, err
	}
	machines, err := h.store.StateMachineList(ctx, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := listStateMachinesOutput{StateMachines: []stateMachineListItem{}}
	for i, sm := range machines {
		if apart && !strings.HasPrefix(sm.ARN, prefix) {
			break // the account's machines are contiguous in ARN order
		}
		if i == limit {
			out.NextToken = h.encodeToken(pageCursor{Op: "ListStateMachines", Scope: listScope(prefix, apart), After: machines[i-1].ARN})
			break
		}
		out.StateMachines = append(out.StateMachines, stateMachineListItem{
			StateMachineArn: sm.ARN, Name: sm.Name, Type: sm.Type, CreationDate: epoch(sm.CreatedAt),
		})
	}
	return out, nil
}

type validateDefinitionInput struct {
	Definition *string `json:"definition"`
	Type       *string `json:"type"`
	Severity   *string `json:"severity"`
	MaxResults *int64  `json:"maxResults"`
}

type diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

type validateDefinitionOutput struct {
	Result      string       `json:"result"`
	Diagnostics []diagnostic `json:"diagnostics"`
	Truncated   bool         `json:"truncated"`
}

func (h *Handler) validateStateMachineDefinition(ctx context.Context, body []byte) (any, error) {
	var in validateDefinitionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("definition", in.Definition != nil)
	v.length("definition", in.Definition, 1, maxDefinition, true)
	v.enum("type", in.Type, typeStandard, typeExpressM)
	v.enum("severity", in.Severity, "ERROR", "WARNING")
	v.rangeInt("maxResults", in.MaxResults, 0, 100)
	if err := v.err(); err != nil {
		return nil, err
	}
	opts := validate.Options{Type: typeStandard}
	if in.Type != nil {
		opts.Type = *in.Type
	}
	max := 100
	if in.MaxResults != nil && *in.MaxResults > 0 {
		max = int(*in.MaxResults)
	}
	withWarnings := in.Severity != nil && *in.Severity == "WARNING"
	out := validateDefinitionOutput{Result: "OK", Diagnostics: []diagnostic{}}
	for _, d := range validate.Text([]byte(*in.Definition), opts) {
		if d.Severity == asl.SeverityError {
			out.Result = "FAIL"
		} else if !withWarnings {
			continue
		}
		if len(out.Diagnostics) == max {
			out.Truncated = true
			continue
		}
		out.Diagnostics = append(out.Diagnostics, diagnostic{Severity: string(d.Severity), Code: d.Code, Message: d.Message, Location: d.Location})
	}
	return out, nil
}
