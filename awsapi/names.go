package awsapi

import (
	"strings"

	"github.com/stepd/stepd/service"
)

// validName reports whether s is a valid name for a state machine, an
// execution or an activity (service.ValidName).
func validName(s string) bool { return service.ValidName(s) }

// Resource types of Step Functions ARNs.
const (
	typeStateMachine = "stateMachine"
	typeExecution    = "execution"
	typeExpress      = "express"
	typeActivity     = "activity"
)

// parseARN parses a Step Functions ARN and checks its resource type is one of
// types, with AWS's messages (service.ParseARN).
func parseARN(s string, types ...string) (service.ARN, error) {
	a, err := service.ParseARN(s, types...)
	return a, apiErrorOf(err)
}

// validRoleARN reports whether s has the form of an ARN (arn:<partition>:
// <service>:<region>:<account>:<resource>); stepd does not assume roles, so it
// checks no more.
func validRoleARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] != "" && parts[5] != ""
}
