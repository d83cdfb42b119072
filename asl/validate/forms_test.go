package validate

import (
	"strings"
	"testing"
)

// lintFormCase is a definition and what validating it must give: want empty
// for a definition Parse accepts (it validates and builds), otherwise a
// substring of an error's "<location>: <message>".
type lintFormCase struct {
	name, def, want string
}

// runLintForms runs a table of lintFormCase.
func runLintForms(t *testing.T, tests []lintFormCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.want == "" {
				if _, err := Parse([]byte(tt.def), Options{}); err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var got []string
			for _, d := range Text([]byte(tt.def), Options{}) {
				got = append(got, d.Location+": "+d.Message)
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Fatalf("diagnostics %q, want one containing %q", got, tt.want)
			}
		})
	}
}

// lintTask is a definition of one Task state with the fields given, in a
// JSONata state machine when jsonata is set.
func lintTask(jsonata bool, fields string) string {
	top := ""
	if jsonata {
		top = `"QueryLanguage": "JSONata", `
	}
	return `{` + top + `"StartAt": "T", "States": {"T": {"Type": "Task", ` +
		`"Resource": "arn:aws:states:::states:startExecution.sync", ` + fields + `, "End": true}}}`
}

// TestValidateCredentials checks a Task's Credentials in the forms AWS runs
// (LocalStack's AWS-validated test_cross_account_states_start_sync_execution:
// RoleArn.$ as a path into the input, into the context object and into a
// variable, as an intrinsic function, and RoleArn as a JSONata expression),
// and the ones it refuses.
func TestValidateCredentials(t *testing.T) {
	t.Parallel()
	runLintForms(t, []lintFormCase{
		{"static ARN", lintTask(false, `"Credentials": {"RoleArn": "arn:aws:iam::111122223333:role/Target"}`), ""},
		{"path", lintTask(false, `"Credentials": {"RoleArn.$": "$.role"}`), ""},
		{"bracket path", lintTask(false, `"Credentials": {"RoleArn.$": "$['roles'][0]"}`), ""},
		{"context object path", lintTask(false, `"Credentials": {"RoleArn.$": "$$.Execution.Input.CredentialsRoleArn"}`), ""},
		{"variable path", lintTask(false, `"Credentials": {"RoleArn.$": "$roleArn"}`), ""},
		{"intrinsic", lintTask(false, `"Credentials": {"RoleArn.$": "States.Format('arn:aws:iam::{}:role/{}', $.account, $.role)"}`), ""},
		{"JSONata expression", lintTask(true, `"Credentials": {"RoleArn": "{% $states.input.CredentialsRoleArn %}"}`), ""},
		{"JSONata without inner spaces", lintTask(true, `"Credentials": {"RoleArn": "{%$states.input.role%}"}`), ""},
		{"JSONata static ARN", lintTask(true, `"Credentials": {"RoleArn": "arn:aws:iam::111122223333:role/Target"}`), ""},

		{"empty", lintTask(false, `"Credentials": {}`), "/States/T/Credentials: The field 'RoleArn' is required but was missing"},
		{"other field only", lintTask(true, `"Credentials": {"InvalidField": "invalid"}`), "/States/T/Credentials: The field 'RoleArn' is required but was missing"},
		{"not an object", lintTask(false, `"Credentials": "arn:aws:iam::111122223333:role/Target"`), "/States/T/Credentials: Expected value of type [OBJECT]"},
		{"both forms", lintTask(false, `"Credentials": {"RoleArn": "arn:aws:iam::1:role/r", "RoleArn.$": "$.role"}`), "mutually exclusive"},
		{"path that is not one", lintTask(false, `"Credentials": {"RoleArn.$": "role"}`), "/States/T/Credentials/RoleArn.$: The value for the field 'RoleArn.$' must be a valid JSONPath"},
		{"unknown intrinsic", lintTask(false, `"Credentials": {"RoleArn.$": "States.Nope($.role)"}`), "/States/T/Credentials/RoleArn.$"},
		{"RoleArn.$ in a JSONata state", lintTask(true, `"Credentials": {"RoleArn.$": "$.role"}`), "RoleArn.$"},
		{"JSONata expression that does not parse", lintTask(true, `"Credentials": {"RoleArn": "{% $states.input.role( %}"}`), "/States/T/Credentials/RoleArn: Expected \")\" before end of expression"},
		{"JSONata expression reading the top level", lintTask(true, `"Credentials": {"RoleArn": "{% role %}"}`), "/States/T/Credentials/RoleArn: Reference to 'role' at the top level is not supported."},
		{"JSONata expression half closed", lintTask(true, `"Credentials": {"RoleArn": "{% $states.input.role"}`), "/States/T/Credentials/RoleArn: A JSONata expression must start with"},
		{"JSONata expression in a JSONPath state", lintTask(false, `"Credentials": {"RoleArn": "{% $states.input.role %}"}`), "must be an IAM role ARN"},
	})
}
