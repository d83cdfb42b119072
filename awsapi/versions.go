package awsapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
)

// Versions and aliases, with AWS's validation and messages (from its API
// reference and the answers LocalStack's tests recorded against AWS).

// The codes of the version and alias actions.
const (
	CodeConflictException             = "ConflictException"
	CodeServiceQuotaExceededException = "ServiceQuotaExceededException"
)

// aliasNamePattern is AWS's pattern of alias names: at least one character
// that is not a digit, so that an alias ARN is never a version ARN.
var aliasNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_\-.]+$`)

const aliasNameRegex = `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`

func validAliasName(s string) bool {
	return aliasNamePattern.MatchString(s) && !service.IsVersionQualifier(s)
}

// aliasNotFound is AWS's answer for an alias that does not exist.
func aliasNotFound(arn string) *apiError {
	e := errorf(CodeResourceNotFound, "Request references a resource that does not exist.")
	e.resourceName = arn
	return e
}

// publishVersion publishes the machine's current revision (which must be
// revision, when given: the revisionId AWS shows) as a version.
func (h *Handler) publishVersion(ctx context.Context, sm *store.StateMachine, revision *string, description string) (*store.StateMachineVersion, error) {
	if revision != nil && *revision != publicRevision(sm.RevisionID) {
		return nil, errorf(CodeConflictException, "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.",
			*revision, publicRevision(sm.RevisionID))
	}
	v, err := h.store.VersionPublish(ctx, &store.StateMachineVersion{
		MachineARN: sm.ARN, RevisionID: sm.RevisionID, Description: description, RoleARN: sm.RoleARN,
		Logging: sm.Logging, Tracing: sm.Tracing, CreatedAt: h.now(),
	}, h.svc.MaxVersions())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, machineNotFound(sm.ARN)
	case errors.Is(err, store.ErrConflict):
		// Updated between the read and the publish.
		cur, gerr := h.store.StateMachineGet(ctx, sm.ARN)
		if gerr != nil {
			return nil, machineNotFound(sm.ARN)
		}
		return nil, errorf(CodeConflictException, "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.",
			publicRevision(sm.RevisionID), publicRevision(cur.RevisionID))
	case errors.Is(err, store.ErrLimit):
		return nil, errorf(CodeServiceQuotaExceededException,
			"The maximum number of versions (%d) of state machine '%s' has been reached: delete versions before publishing another.", h.svc.MaxVersions(), clip(sm.ARN))
	}
	return v, err
}

type publishInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	RevisionID      *string `json:"revisionId"`
	Description     *string `json:"description"`
}

type publishOutput struct {
	CreationDate           epoch  `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

func (h *Handler) publishStateMachineVersion(ctx context.Context, body []byte) (any, error) {
	var in publishInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, maxARN, false)
	v.length("description", in.Description, 0, 256, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := parseARN(*in.StateMachineArn, typeStateMachine); err != nil {
		return nil, err
	}
	sm, err := h.machine(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	ver, err := h.publishVersion(ctx, sm, in.RevisionID, desc)
	if err != nil {
		return nil, err
	}
	return publishOutput{CreationDate: epoch(ver.CreatedAt), StateMachineVersionArn: ver.ARN}, nil
}

// versionARNOf checks that an ARN is a version's.
func versionARNOf(field, arn string) error {
	if _, err := parseARN(arn, typeStateMachine); err != nil {
		return err
	}
	if _, q := service.SplitQualified(arn); !service.IsVersionQualifier(q) {
		return invalidArn("Invalid Arn: '" + clip(arn) + "'")
	}
	return nil
}

type deleteVersionInput struct {
	StateMachineVersionArn *string `json:"stateMachineVersionArn"`
}

func (h *Handler) deleteStateMachineVersion(ctx context.Context, body []byte) (any, error) {
	var in deleteVersionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("stateMachineVersionArn", in.StateMachineVersionArn != nil)
	v.length("stateMachineVersionArn", in.StateMachineVersionArn, 1, maxARN, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	arn := *in.StateMachineVersionArn
	if err := versionARNOf("stateMachineVersionArn", arn); err != nil {
		return nil, err
	}
	if h.foreign(ctx, arn) {
		return struct{}{}, nil
	}
	err := h.store.VersionDelete(ctx, arn)
	var inUse *store.VersionInUseError
	switch {
	case errors.As(err, &inUse):
		return nil, errorf(CodeConflictException, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]",
			strings.Join(inUse.Aliases, ", "))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	return struct{}{}, nil
}

type versionListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           epoch  `json:"creationDate"`
}

type listVersionsOutput struct {
	StateMachineVersions []versionListItem `json:"stateMachineVersions"`
	NextToken            string            `json:"nextToken,omitempty"`
}

type listByMachineInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	MaxResults      *int64  `json:"maxResults"`
	NextToken       *string `json:"nextToken"`
}

// listByMachine checks a listing of one machine's versions or aliases, and
// returns the machine, the page size and where the page starts.
func (h *Handler) listByMachine(ctx context.Context, body []byte, op string) (*store.StateMachine, int, string, error) {
	var in listByMachineInput
	if err := decode(body, &in); err != nil {
		return nil, 0, "", err
	}
	var v validation
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, maxARN, false)
	limit := pageSize(&v, in.MaxResults)
	v.length("nextToken", in.NextToken, 1, 1024, false)
	if err := v.err(); err != nil {
		return nil, 0, "", err
	}
	if _, err := parseARN(*in.StateMachineArn, typeStateMachine); err != nil {
		return nil, 0, "", err
	}
	sm, err := h.machine(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, 0, "", err
	}
	after := ""
	if in.NextToken != nil {
		c, err := h.decodeToken(*in.NextToken, op, sm.ARN)
		if err != nil {
			return nil, 0, "", err
		}
		after = c.After
	}
	return sm, limit, after, nil
}

func (h *Handler) listStateMachineVersions(ctx context.Context, body []byte) (any, error) {
	sm, limit, after, err := h.listByMachine(ctx, body, "ListStateMachineVersions")
	if err != nil {
		return nil, err
	}
	before, _ := strconv.ParseInt(after, 10, 64)
	versions, err := h.store.VersionList(ctx, sm.ARN, before, limit+1)
	if err != nil {
		return nil, err
	}
	out := listVersionsOutput{StateMachineVersions: []versionListItem{}}
	for i, ver := range versions {
		if i == limit {
			out.NextToken = h.encodeToken(pageCursor{Op: "ListStateMachineVersions", Scope: sm.ARN, After: strconv.FormatInt(versions[i-1].Version, 10)})
			break
		}
		out.StateMachineVersions = append(out.StateMachineVersions, versionListItem{StateMachineVersionArn: ver.ARN, CreationDate: epoch(ver.CreatedAt)})
	}
	return out, nil
}

// describeVersion answers DescribeStateMachine for a version ARN.
func (h *Handler) describeVersion(ctx context.Context, arn string, metadataOnly bool) (any, error) {
	if h.foreign(ctx, arn) {
		return nil, machineNotFound(arn)
	}
	ver, err := h.store.VersionGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, machineNotFound(arn)
	}
	if err != nil {
		return nil, err
	}
	sm, err := h.machine(ctx, ver.MachineARN)
	if err != nil {
		return nil, machineNotFound(arn)
	}
	def, err := h.store.DefinitionGet(ctx, ver.RevisionID)
	if err != nil {
		return nil, err
	}
	text := def.Text
	refs := variableReferences(text, metadataOnly)
	if metadataOnly {
		text = "{}"
	}
	frozen := *sm
	frozen.Logging, frozen.Tracing = ver.Logging, ver.Tracing
	return describeStateMachineOutput{
		StateMachineArn: ver.ARN, Name: sm.Name, Status: sm.Status, Definition: text, RoleArn: ver.RoleARN, Type: sm.Type,
		CreationDate: epoch(ver.CreatedAt), LoggingConfiguration: loggingOf(&frozen), TracingConfiguration: tracingOf(&frozen),
		RevisionID: publicRevision(ver.RevisionID), Description: ver.Description, VariableReferences: refs,
	}, nil
}

type routeEntry struct {
	StateMachineVersionArn *string `json:"stateMachineVersionArn,omitempty"`
	Weight                 *int64  `json:"weight,omitempty"`
}

type routeOut struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

// checkRouting applies AWS's checks of a routingConfiguration, in AWS's
// order, and returns it as the store keeps it.
func checkRouting(v *validation, routes []routeEntry) ([]store.Route, error) {
	if len(routes) < 1 {
		v.fail("'[]'", "routingConfiguration", "must have length greater than or equal to 1")
	}
	if len(routes) > 2 {
		var items []string
		for _, r := range routes {
			arn, w := "null", "null"
			if r.StateMachineVersionArn != nil {
				arn = *r.StateMachineVersionArn
			}
			if r.Weight != nil {
				w = strconv.FormatInt(*r.Weight, 10)
			}
			items = append(items, fmt.Sprintf("RoutingConfigurationListItem(stateMachineVersionArn=%s, weight=%s)", arn, w))
		}
		v.fail("'["+clip(strings.Join(items, ", "))+"]'", "routingConfiguration", "must have length less than or equal to 2")
	}
	for i, r := range routes {
		field := fmt.Sprintf("routingConfiguration.%d.member", i+1)
		v.required(field+".stateMachineVersionArn", r.StateMachineVersionArn != nil)
		v.length(field+".stateMachineVersionArn", r.StateMachineVersionArn, 1, maxARN, false)
		v.required(field+".weight", r.Weight != nil)
		v.rangeInt(field+".weight", r.Weight, 0, 100)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var arns, weights []string
	out := make([]store.Route, len(routes))
	versionsOnly := true
	sum := int64(0)
	machine := ""
	sameMachine := true
	for i, r := range routes {
		arns = append(arns, *r.StateMachineVersionArn)
		weights = append(weights, strconv.FormatInt(*r.Weight, 10))
		base, q := service.SplitQualified(*r.StateMachineVersionArn)
		if _, err := service.ParseARN(*r.StateMachineVersionArn, typeStateMachine); err != nil || !service.IsVersionQualifier(q) {
			versionsOnly = false
		}
		if i == 0 {
			machine = base
		} else if base != machine {
			sameMachine = false
		}
		sum += *r.Weight
		out[i] = store.Route{VersionARN: *r.StateMachineVersionArn, Weight: int(*r.Weight)}
	}
	received := "[" + clip(strings.Join(arns, ", ")) + "]"
	switch {
	case !versionsOnly:
		return nil, errorf(CodeValidationException, "Routing configuration must contain state machine version ARNs. Received: %s", received)
	case len(arns) == 2 && arns[0] == arns[1]:
		return nil, errorf(CodeValidationException, "Routing configuration must contain distinct state machine version ARNs. Received: %s", received)
	case !sameMachine:
		return nil, errorf(CodeValidationException, "Routing configuration must contain state machine version ARNs of the same state machine. Received: %s", received)
	case sum != 100:
		return nil, errorf(CodeValidationException, "Sum of routing configuration weights must equal 100. Received: [%s]", strings.Join(weights, ", "))
	}
	return out, nil
}

type createAliasInput struct {
	Name                 *string      `json:"name"`
	Description          *string      `json:"description"`
	RoutingConfiguration []routeEntry `json:"routingConfiguration"`
}

type createAliasOutput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         epoch  `json:"creationDate"`
}

func (h *Handler) createStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var in createAliasInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("name", in.Name != nil)
	v.required("routingConfiguration", in.RoutingConfiguration != nil)
	v.length("name", in.Name, 1, 80, false)
	if in.Name != nil && *in.Name != "" && len([]rune(*in.Name)) <= 80 && !validAliasName(*in.Name) {
		v.fail(quote(*in.Name, false), "name", "must satisfy regular expression pattern: "+aliasNameRegex)
	}
	v.length("description", in.Description, 0, 256, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	routes, err := checkRouting(&v, in.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	machineARN, _ := service.SplitQualified(routes[0].VersionARN)
	if h.foreign(ctx, machineARN) {
		return nil, aliasNotFound(routes[0].VersionARN)
	}
	arn := machineARN + ":" + *in.Name
	now := h.now()
	a := &store.Alias{ARN: arn, MachineARN: machineARN, Name: *in.Name, Routing: routes, CreatedAt: now, UpdatedAt: now}
	if in.Description != nil {
		a.Description = *in.Description
	}
	err = h.store.AliasCreate(ctx, a)
	switch {
	case errors.Is(err, store.ErrExists):
		existing, gerr := h.store.AliasGet(ctx, arn)
		if gerr != nil {
			return nil, gerr
		}
		if existing.Description != a.Description || !slices.Equal(existing.Routing, a.Routing) {
			return nil, errorf(CodeConflictException, "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
		}
		return createAliasOutput{StateMachineAliasArn: existing.ARN, CreationDate: epoch(existing.CreatedAt)}, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, aliasNotFound(arn)
	case err != nil:
		return nil, err
	}
	return createAliasOutput{StateMachineAliasArn: arn, CreationDate: epoch(now)}, nil
}

type aliasARNInput struct {
	StateMachineAliasArn *string      `json:"stateMachineAliasArn"`
	Description          *string      `json:"description"`
	RoutingConfiguration []routeEntry `json:"routingConfiguration"`
}

// aliasInput decodes and checks a request naming an alias.
func aliasInput(body []byte) (*aliasARNInput, error) {
	var in aliasARNInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("stateMachineAliasArn", in.StateMachineAliasArn != nil)
	v.length("stateMachineAliasArn", in.StateMachineAliasArn, 1, maxARN, false)
	v.length("description", in.Description, 0, 256, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	arn := *in.StateMachineAliasArn
	if _, err := parseARN(arn, typeStateMachine); err != nil {
		return nil, err
	}
	if _, q := service.SplitQualified(arn); q == "" || service.IsVersionQualifier(q) {
		return nil, invalidArn("Invalid Arn: '" + clip(arn) + "'")
	}
	return &in, nil
}

// alias returns an alias of the call's account, or ResourceNotFound.
func (h *Handler) alias(ctx context.Context, arn string) (*store.Alias, error) {
	if h.foreign(ctx, arn) {
		return nil, aliasNotFound(arn)
	}
	a, err := h.store.AliasGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, aliasNotFound(arn)
	}
	return a, err
}

type describeAliasOutput struct {
	StateMachineAliasArn string     `json:"stateMachineAliasArn"`
	Name                 string     `json:"name"`
	Description          string     `json:"description,omitempty"`
	RoutingConfiguration []routeOut `json:"routingConfiguration"`
	CreationDate         epoch      `json:"creationDate"`
	UpdateDate           epoch      `json:"updateDate"`
}

func (h *Handler) describeStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	in, err := aliasInput(body)
	if err != nil {
		return nil, err
	}
	a, err := h.alias(ctx, *in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	out := describeAliasOutput{StateMachineAliasArn: a.ARN, Name: a.Name, Description: a.Description,
		CreationDate: epoch(a.CreatedAt), UpdateDate: epoch(a.UpdatedAt), RoutingConfiguration: []routeOut{}}
	for _, r := range a.Routing {
		out.RoutingConfiguration = append(out.RoutingConfiguration, routeOut{StateMachineVersionArn: r.VersionARN, Weight: r.Weight})
	}
	return out, nil
}

type updateAliasOutput struct {
	UpdateDate epoch `json:"updateDate"`
}

func (h *Handler) updateStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	in, err := aliasInput(body)
	if err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, errorf(CodeMissingRequiredParameter, "Either the description or the RoutingConfiguration must be specified")
	}
	var routes []store.Route
	if in.RoutingConfiguration != nil {
		var v validation
		if routes, err = checkRouting(&v, in.RoutingConfiguration); err != nil {
			return nil, err
		}
	}
	a, err := h.alias(ctx, *in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if routes != nil {
		if base, _ := service.SplitQualified(routes[0].VersionARN); base != a.MachineARN {
			return nil, errorf(CodeValidationException, "Routing configuration must contain state machine version ARNs of the same state machine. Received: [%s]", clip(routes[0].VersionARN))
		}
		a.Routing = routes
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	a.UpdatedAt = h.now()
	if err := h.store.AliasUpdate(ctx, a); errors.Is(err, store.ErrNotFound) {
		return nil, aliasNotFound(a.ARN)
	} else if err != nil {
		return nil, err
	}
	return updateAliasOutput{UpdateDate: epoch(a.UpdatedAt)}, nil
}

func (h *Handler) deleteStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	in, err := aliasInput(body)
	if err != nil {
		return nil, err
	}
	// Deleting an alias that does not exist succeeds, as on AWS.
	if h.foreign(ctx, *in.StateMachineAliasArn) {
		return struct{}{}, nil
	}
	if err := h.store.AliasDelete(ctx, *in.StateMachineAliasArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

type aliasListItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         epoch  `json:"creationDate"`
}

type listAliasesOutput struct {
	StateMachineAliases []aliasListItem `json:"stateMachineAliases"`
	NextToken           string          `json:"nextToken,omitempty"`
}

func (h *Handler) listStateMachineAliases(ctx context.Context, body []byte) (any, error) {
	sm, limit, after, err := h.listByMachine(ctx, body, "ListStateMachineAliases")
	if err != nil {
		return nil, err
	}
	aliases, err := h.store.AliasList(ctx, sm.ARN, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := listAliasesOutput{StateMachineAliases: []aliasListItem{}}
	for i, a := range aliases {
		if i == limit {
			out.NextToken = h.encodeToken(pageCursor{Op: "ListStateMachineAliases", Scope: sm.ARN, After: aliases[i-1].Name})
			break
		}
		out.StateMachineAliases = append(out.StateMachineAliases, aliasListItem{StateMachineAliasArn: a.ARN, CreationDate: epoch(a.CreatedAt)})
	}
	return out, nil
}
