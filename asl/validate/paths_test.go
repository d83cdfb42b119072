package validate

import "testing"

// TestValidateContextObjectIndexes checks paths that index arrays inside the
// context object ($$), which are paths like any other: a Reference Path may
// index with non-negative integers, InputPath, OutputPath and "key.$" take
// any JSONPath, and ResultPath cannot start from the context object.
func TestValidateContextObjectIndexes(t *testing.T) {
	t.Parallel()
	pass := func(fields string) string {
		return `{"StartAt": "P", "States": {"P": {"Type": "Pass", ` + fields + `, "End": true}}}`
	}
	mapOf := func(fields string) string {
		return `{"StartAt": "M", "States": {"M": {"Type": "Map", ` + fields + `, ` +
			`"ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}`
	}
	choice := func(variable string) string {
		return `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [` +
			`{"Variable": "` + variable + `", "IsPresent": true, "Next": "D"}], "Default": "D"}, ` +
			`"D": {"Type": "Pass", "End": true}}}`
	}
	runLintForms(t, []lintFormCase{
		{"Parameters", pass(`"Parameters": {"first.$": "$$.Execution.Input.items[0]", "deep.$": "$$.Execution.Input.items[0].a[2]"}`), ""},
		{"Parameters bracket notation", pass(`"Parameters": {"first.$": "$$['Execution']['Input']['items'][0]"}`), ""},
		{"Parameters slice and wildcard", pass(`"Parameters": {"some.$": "$$.Execution.Input.items[0:2]", "all.$": "$$.Execution.Input.items[*].id"}`), ""},
		{"Parameters intrinsic argument", pass(`"Parameters": {"n.$": "States.ArrayLength($$.Execution.Input.lists[1])"}`), ""},
		{"ItemSelector Map item", mapOf(`"ItemSelector": {"second.$": "$$.Map.Item.Value[1]", "index.$": "$$.Map.Item.Index"}`), ""},
		{"ItemsPath", mapOf(`"ItemsPath": "$$.Execution.Input.batches[0]"`), ""},
		{"InputPath", pass(`"InputPath": "$$.Execution.Input.items[0]"`), ""},
		{"OutputPath", pass(`"OutputPath": "$$.Execution.Input.items[0]"`), ""},
		{"Choice Variable", choice(`$$.Execution.Input.items[0]`), ""},
		{"Wait TimestampPath", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$$.Execution.Input.times[0]", "End": true}}}`, ""},
		{"Fail ErrorPath and CausePath", `{"StartAt": "F", "States": {"F": {"Type": "Fail", ` +
			`"ErrorPath": "$$.Execution.Input.errors[0]", "CausePath": "$$.Execution.Input.causes[0]"}}}`, ""},
		{"MaxConcurrencyPath", mapOf(`"MaxConcurrencyPath": "$$.Execution.Input.limits[0]"`), ""},
		{"Task ResultSelector, Assign and TimeoutSecondsPath", `{"StartAt": "T", "States": {"T": {"Type": "Task", ` +
			`"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, ` +
			`"ResultSelector": {"a.$": "$$.Execution.Input.items[0]"}, "Assign": {"v.$": "$$.Execution.Input.items[1]"}, ` +
			`"TimeoutSecondsPath": "$$.Execution.Input.timeouts[0]", "End": true}}}`, ""},
		{"Wait SecondsPath", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$$.Execution.Input.waits[0]", "End": true}}}`, ""},

		{"ItemsPath wildcard", mapOf(`"ItemsPath": "$$.Execution.Input.items[*]"`), "/States/M/ItemsPath: The value for the field 'ItemsPath' must be a valid reference path"},
		{"Choice Variable slice", choice(`$$.Execution.Input.items[0:2]`), "/States/C/Choices/0/Variable: The value for the field 'Variable' must be a valid reference path"},
		{"ResultPath", pass(`"ResultPath": "$$.Execution.Input.items[0]"`), "/States/P/ResultPath: The value for the field 'ResultPath' must be a valid reference path"},
		{"unclosed index", pass(`"Parameters": {"first.$": "$$.Execution.Input.items[0"}`), "/States/P/Parameters/first.$"},
	})
}
