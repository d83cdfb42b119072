package validate

import (
	"strings"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
)

func (v *validator) task(st *lintState) {
	o, loc := st.obj, st.loc
	if raw, ok := o.Get("Resource"); !ok {
		v.schema(loc, "These fields are required: [Resource]")
	} else if s, isStr := raw.(string); !isStr {
		v.schema(loc+"/Resource", "Expected value of type [STRING]")
	} else {
		v.resource(s, loc+"/Resource")
	}

	v.exclusive(o, loc, "TimeoutSeconds", "TimeoutSecondsPath")
	v.exclusive(o, loc, "HeartbeatSeconds", "HeartbeatSecondsPath")
	timeout, hasTimeout := st.has("TimeoutSeconds")
	if hasTimeout {
		v.secondsField(st, timeout, loc+"/TimeoutSeconds", 1)
	}
	heartbeat, hasHeartbeat := st.has("HeartbeatSeconds")
	if hasHeartbeat {
		v.secondsField(st, heartbeat, loc+"/HeartbeatSeconds", 1)
	}
	if hasTimeout && hasHeartbeat {
		t, okT := lintInt(timeout)
		h, okH := lintInt(heartbeat)
		if okT && okH && h >= t && t >= 1 && h >= 1 {
			v.schema(loc+"/HeartbeatSeconds", "The value of 'HeartbeatSeconds' (%d) must be less than the value of 'TimeoutSeconds' (%d)", h, t)
		}
	}
	for _, f := range []string{"TimeoutSecondsPath", "HeartbeatSecondsPath"} {
		if raw, ok := st.has(f); ok {
			v.pathField(raw, lintAt(loc, f), f, 0)
		}
	}
	if raw, ok := o.Get("Credentials"); ok {
		v.credentials(st, raw, loc+"/Credentials")
	}
}

// lintInt returns an integer value as an int64.
func lintInt(raw any) (int64, bool) {
	switch x := raw.(type) {
	case jsonvalue.Number:
		if x.IsInteger() {
			return x.Int64()
		}
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// credentials checks a Task's Credentials: an object naming the role to assume
// with RoleArn (in a JSONata state, an ARN or a JSONata expression, which is
// parsed like every other), or in a JSONPath state with RoleArn.$ (a path, the
// context object's included, or an intrinsic function call).
func (v *validator) credentials(st *lintState, raw any, loc string) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	role, hasRole := o.Get("RoleArn")
	dyn, hasDyn := o.Get("RoleArn.$")
	switch {
	case !hasRole && !hasDyn:
		v.schema(loc, "The field 'RoleArn' is required but was missing")
	case hasRole && hasDyn:
		v.schema(loc, "These fields are mutually exclusive: [RoleArn, RoleArn.$]")
	}
	if hasRole {
		s, isStr := role.(string)
		switch {
		case !isStr:
			v.schema(loc+"/RoleArn", "Expected value of type [STRING]")
		case st.jsonata && (strings.HasPrefix(s, "{%") || strings.HasSuffix(s, "%}")):
			// Credentials is left out of the walk of the state's expressions
			v.jsonataString(s, loc+"/RoleArn", false)
		case !strings.HasPrefix(s, "arn:"):
			v.schema(loc+"/RoleArn", "The value for the field 'RoleArn' must be an IAM role ARN")
		}
	}
	if hasDyn {
		if st.jsonata {
			v.languageMismatch(loc, "RoleArn.$", true)
		} else {
			v.dynamicValue(dyn, loc+"/RoleArn.$", "RoleArn.$")
		}
	}
}

// Integration patterns of optimized service integrations.
const (
	lintPatRequest = 1 << iota // no suffix: call the API and continue
	lintPatSync                // .sync: run a job and wait for it
	lintPatSync2               // .sync:2: the same, with a JSON result (startExecution)
	lintPatToken               // .waitForTaskToken: wait for a callback
)

// lintIntegrations lists the optimized integrations Step Functions recognizes
// (arn:aws:states:::<service>:<action>) with the patterns each supports.
var lintIntegrations = map[string]map[string]int{
	"lambda":   {"invoke": lintPatRequest | lintPatToken},
	"batch":    {"submitJob": lintPatRequest | lintPatSync | lintPatToken},
	"dynamodb": {"getItem": lintPatRequest, "putItem": lintPatRequest, "updateItem": lintPatRequest, "deleteItem": lintPatRequest},
	"ecs":      {"runTask": lintPatRequest | lintPatSync | lintPatToken},
	"sns":      {"publish": lintPatRequest | lintPatToken},
	"sqs":      {"sendMessage": lintPatRequest | lintPatToken},
	"glue":     {"startJobRun": lintPatRequest | lintPatSync | lintPatToken},
	"sagemaker": {
		"createEndpoint": lintPatRequest | lintPatToken, "createEndpointConfig": lintPatRequest | lintPatToken,
		"createHyperParameterTuningJob": lintPatRequest | lintPatSync | lintPatToken,
		"createLabelingJob":             lintPatRequest | lintPatSync | lintPatToken,
		"createModel":                   lintPatRequest | lintPatToken,
		"createProcessingJob":           lintPatRequest | lintPatSync | lintPatToken,
		"createTrainingJob":             lintPatRequest | lintPatSync | lintPatToken,
		"createTransformJob":            lintPatRequest | lintPatSync | lintPatToken,
		"updateEndpoint":                lintPatRequest | lintPatToken,
	},
	"elasticmapreduce": {
		"createCluster": lintPatRequest | lintPatSync, "terminateCluster": lintPatRequest | lintPatSync,
		"addStep": lintPatRequest | lintPatSync, "cancelStep": lintPatRequest,
		"setClusterTerminationProtection": lintPatRequest,
		"modifyInstanceFleetByName":       lintPatRequest, "modifyInstanceGroupByName": lintPatRequest,
	},
	"emr-containers": {
		"createVirtualCluster": lintPatRequest, "deleteVirtualCluster": lintPatRequest | lintPatSync,
		"startJobRun": lintPatRequest | lintPatSync,
	},
	"emr-serverless": {
		"createApplication": lintPatRequest | lintPatSync, "startApplication": lintPatRequest | lintPatSync,
		"stopApplication": lintPatRequest | lintPatSync, "deleteApplication": lintPatRequest | lintPatSync,
		"startJobRun": lintPatRequest | lintPatSync, "cancelJobRun": lintPatRequest | lintPatSync,
	},
	"states": {"startExecution": lintPatRequest | lintPatSync | lintPatSync2 | lintPatToken},
	"codebuild": {
		"startBuild": lintPatRequest | lintPatSync, "stopBuild": lintPatRequest,
		"batchDeleteBuilds": lintPatRequest, "batchGetReports": lintPatRequest,
		"startBuildBatch": lintPatRequest | lintPatSync, "stopBuildBatch": lintPatRequest,
		"retryBuildBatch": lintPatRequest | lintPatSync, "deleteBuildBatch": lintPatRequest,
	},
	"athena": {
		"startQueryExecution": lintPatRequest | lintPatSync, "stopQueryExecution": lintPatRequest,
		"getQueryExecution": lintPatRequest, "getQueryResults": lintPatRequest,
	},
	"databrew": {"startJobRun": lintPatRequest | lintPatSync},
	"eks": {
		"createCluster": lintPatRequest | lintPatSync, "deleteCluster": lintPatRequest | lintPatSync,
		"createFargateProfile": lintPatRequest | lintPatSync, "deleteFargateProfile": lintPatRequest | lintPatSync,
		"createNodegroup": lintPatRequest | lintPatSync, "deleteNodegroup": lintPatRequest | lintPatSync,
		"runJob": lintPatRequest | lintPatSync, "call": lintPatRequest,
	},
	"events":       {"putEvents": lintPatRequest | lintPatToken},
	"apigateway":   {"invoke": lintPatRequest | lintPatToken},
	"http":         {"invoke": lintPatRequest},
	"mediaconvert": {"createJob": lintPatRequest | lintPatSync},
	"bedrock": {
		"invokeModel":                 lintPatRequest,
		"createModelCustomizationJob": lintPatRequest | lintPatSync | lintPatToken,
	},
}

// lintSDKUnsupported lists the services the AWS SDK integration
// (arn:aws:states:::aws-sdk:<service>:<action>) does not reach.
var lintSDKUnsupported = lintSet("apigatewaymanagementapi")

// lintARN is a parsed ARN.
type lintARN struct {
	partition, service, region, account, resource string
}

func lintParseARN(s string) (lintARN, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return lintARN{}, false
	}
	if !strings.HasPrefix(parts[1], "aws") {
		return lintARN{}, false
	}
	for _, p := range parts[1:5] {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return lintARN{}, false
			}
		}
	}
	return lintARN{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}

// resource checks a Task's Resource: an activity ARN, a Lambda function ARN,
// an optimized or AWS SDK service integration with a supported pattern, or
// another AWS ARN.
func (v *validator) resource(s, loc string) {
	arn, ok := lintParseARN(s)
	notRecognized := func() {
		shown := s
		if ok {
			shown = "arn:<partition>:" + strings.TrimPrefix(s, "arn:"+arn.partition+":")
		}
		v.schema(loc, "The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", shown)
	}
	if !ok {
		notRecognized()
		return
	}
	switch {
	case arn.service == "states" && strings.HasPrefix(arn.resource, "activity:"):
		if arn.region == "" || arn.account == "" || len(arn.resource) == len("activity:") {
			notRecognized()
			return
		}
		if v.express {
			v.schema(loc, "Express state machine does not support Activity ARN")
		}
	case arn.service == "states" && arn.region == "" && arn.account == "":
		pattern, ok := v.integration(arn.resource)
		if !ok {
			notRecognized()
			return
		}
		if v.express {
			switch pattern {
			case lintPatSync, lintPatSync2:
				v.schema(loc, "Express state machine does not support '.sync' service integration")
			case lintPatToken:
				v.schema(loc, "Express state machine does not support '.waitForTaskToken' service integration ") // AWS's text ends in a space (its recordings)
			}
		}
	case arn.service == "states":
		notRecognized()
	case arn.service == "lambda":
		if !lintIsLambdaFunction(arn.resource) {
			notRecognized()
		}
	}
}

// integration resolves "<service>:<action>[.pattern]" or
// "aws-sdk:<service>:<action>[.waitForTaskToken]" and returns its pattern.
func (v *validator) integration(res string) (int, bool) {
	pattern := lintPatRequest
	switch {
	case strings.HasSuffix(res, ".sync:2"):
		pattern, res = lintPatSync2, strings.TrimSuffix(res, ".sync:2")
	case strings.HasSuffix(res, ".sync"):
		pattern, res = lintPatSync, strings.TrimSuffix(res, ".sync")
	case strings.HasSuffix(res, ".waitForTaskToken"):
		pattern, res = lintPatToken, strings.TrimSuffix(res, ".waitForTaskToken")
	}
	if sdk, ok := strings.CutPrefix(res, "aws-sdk:"); ok {
		service, action, found := strings.Cut(sdk, ":")
		if !found || service == "" || action == "" || lintSDKUnsupported[service] ||
			!lintIsWord(service, "-.") || !lintIsWord(action, "") || action[0] < 'a' || action[0] > 'z' {
			return 0, false
		}
		return pattern, pattern == lintPatRequest || pattern == lintPatToken
	}
	service, action, found := strings.Cut(res, ":")
	if !found {
		return 0, false
	}
	patterns := lintIntegrations[service][action]
	return pattern, patterns&pattern != 0
}

// lintIsWord reports whether s holds only ASCII letters, digits and the extra
// characters given.
func lintIsWord(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return s != ""
}

// lintIsLambdaFunction checks the resource part of a Lambda function ARN:
// function:<name>[:<version or alias>].
func lintIsLambdaFunction(res string) bool {
	rest, ok := strings.CutPrefix(res, "function:")
	if !ok {
		return false
	}
	name, qualifier, hasQualifier := strings.Cut(rest, ":")
	if len(name) > 64 || !lintIsWord(name, "-_") {
		return false
	}
	if hasQualifier {
		return qualifier == "$LATEST" || len(qualifier) <= 128 && lintIsWord(qualifier, "-_")
	}
	return true
}

// The fields of a Retrier and of a Catcher.
var (
	lintRetrierFields = lintSet("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
		"MaxDelaySeconds", "JitterStrategy", "Comment")
	lintCatcherFields = lintSet("ErrorEquals", "Next", "ResultPath", "Comment", "Assign", "Output")
)

func (v *validator) retry(st *lintState) {
	loc := st.loc + "/Retry"
	raw, _ := st.obj.Get("Retry")
	arr, ok := raw.([]any)
	if !ok {
		v.schema(loc, "Expected value of type [ARRAY]")
		return
	}
	for i, r := range arr {
		rloc := lintIndex(loc, i)
		o, ok := r.(*jsonvalue.Object)
		if !ok {
			v.schema(rloc, "Expected value of type [OBJECT]")
			continue
		}
		for _, k := range o.Keys() {
			if !lintRetrierFields[k] {
				v.schema(rloc, "Field '%s' is not supported", k)
			}
		}
		v.errorEquals(o, rloc, i == len(arr)-1, "Retrier")
		v.optString(o, rloc, "Comment")
		if x, ok := o.Get("IntervalSeconds"); ok {
			v.intRange(x, rloc+"/IntervalSeconds", 1, lintMaxSeconds)
		}
		if x, ok := o.Get("MaxAttempts"); ok {
			v.intRange(x, rloc+"/MaxAttempts", 0, lintMaxSeconds)
		}
		if x, ok := o.Get("BackoffRate"); ok {
			v.numberRange(x, rloc+"/BackoffRate", 1, 1e9)
		}
		if x, ok := o.Get("MaxDelaySeconds"); ok {
			v.intRange(x, rloc+"/MaxDelaySeconds", 1, 31622400)
		}
		if x, ok := o.Get("JitterStrategy"); ok {
			if x != "FULL" && x != "NONE" {
				v.schema(rloc+"/JitterStrategy", "The field 'JitterStrategy' should have one of these values: [FULL, NONE]")
			}
		}
	}
}

func (v *validator) catch(st *lintState) {
	loc := st.loc + "/Catch"
	raw, _ := st.obj.Get("Catch")
	arr, ok := raw.([]any)
	if !ok {
		v.schema(loc, "Expected value of type [ARRAY]")
		return
	}
	for i, r := range arr {
		cloc := lintIndex(loc, i)
		o, ok := r.(*jsonvalue.Object)
		if !ok {
			v.schema(cloc, "Expected value of type [OBJECT]")
			continue
		}
		for _, k := range o.Keys() {
			switch {
			case !lintCatcherFields[k]:
				v.schema(cloc, "Field '%s' is not supported", k)
			case st.jsonata && k == "ResultPath", !st.jsonata && k == "Output":
				v.languageMismatch(cloc, k, st.jsonata)
			}
		}
		v.errorEquals(o, cloc, i == len(arr)-1, "Catcher")
		v.optString(o, cloc, "Comment")
		if next, ok := o.Get("Next"); ok {
			v.edge(st.c, st.name, next, cloc+"/Next")
		} else {
			v.schema(cloc, "These fields are required: [Next]")
		}
		if x, ok := o.Get("ResultPath"); ok && !st.jsonata {
			v.pathField(x, cloc+"/ResultPath", "ResultPath", lintPathNullable|lintPathResult)
		}
		if x, ok := o.Get("Assign"); ok {
			v.assign(x, cloc+"/Assign", st.jsonata)
		}
	}
}

// errorEquals checks the ErrorEquals of a Retrier or Catcher: a non-empty array
// of error names, where States.ALL stands alone and only in the last element.
func (v *validator) errorEquals(o *jsonvalue.Object, loc string, last bool, what string) {
	raw, ok := o.Get("ErrorEquals")
	if !ok {
		v.schema(loc, "These fields are required: [ErrorEquals]")
		return
	}
	loc += "/ErrorEquals"
	names, ok := raw.([]any)
	if !ok {
		v.schema(loc, "Expected value of type [ARRAY]")
		return
	}
	if len(names) == 0 {
		v.schema(loc, "Value cannot be empty")
		return
	}
	hasAll := false
	for i, n := range names {
		s, ok := n.(string)
		if !ok {
			v.schema(lintIndex(loc, i), "Expected value of type [STRING]")
			continue
		}
		if s == aslerr.All {
			hasAll = true
		}
	}
	if hasAll && (len(names) > 1 || !last) {
		v.schema(loc, "'%s' must appear alone in 'ErrorEquals' and only in the last %s", aslerr.All, what)
	}
}
