package service

import (
	"context"
	"sort"
	"strings"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/store"
)

// testCase splits a state machine ARN with a test case suffix
// ("arn:...:stateMachine:NAME#CASE", as Step Functions Local takes it) into
// the machine's ARN and the test case of the mock configuration. An ARN
// without a suffix has no test case. A suffix is refused when the service
// has no mock configuration or the configuration no such case, with a
// message that names it.
func (s *Service) testCase(arn string) (string, *mock.TestCase, error) {
	i := strings.LastIndexByte(arn, '#')
	if i < 0 {
		return arn, nil, nil
	}
	machineARN, name := arn[:i], arn[i+1:]
	if s.mockConfig == nil {
		return "", nil, serviceError("InvalidArn",
			"Invalid Arn: 'The state machine ARN %s names the mock test case %q, and stepd has no mock configuration (stepd serve --mock-config FILE)'", machineARN, name)
	}
	a, err := ParseARN(machineARN, "stateMachine")
	if err != nil {
		return "", nil, err
	}
	tc, err := s.mockConfig.TestCase(a.Resource, name)
	if err != nil {
		return "", nil, serviceError("ValidationException", "%s", err.Error())
	}
	return machineARN, tc, nil
}

// checkTestCase refuses a test case that mocks a state the machine's
// definition does not have as a Task state, naming it: a misspelt state
// would otherwise run for real.
func (s *Service) checkTestCase(ctx context.Context, sm *store.StateMachine, tc *mock.TestCase) error {
	def, err := s.defs.Definition(ctx, sm.RevisionID)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(tc.States))
	for name := range tc.States {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		found := false
		for _, g := range def.Graphs() {
			if st := g.State(name); st != nil && st.Type == asl.TypeTask {
				found = true
				break
			}
		}
		if !found {
			return serviceError("ValidationException", "The mock test case %q of state machine %q mocks the state %q, which is not a Task state of its definition",
				tc.Name, sm.Name, name)
		}
	}
	return nil
}
