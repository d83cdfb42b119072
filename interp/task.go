package interp

import (
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/jsonvalue"
)

// taskEvents are the history event types of one kind of task resource.
type taskEvents struct {
	scheduled, started, submitted, succeeded, failed, timedOut history.Type
}

var (
	lambdaEvents = taskEvents{history.LambdaFunctionScheduled, history.LambdaFunctionStarted, "",
		history.LambdaFunctionSucceeded, history.LambdaFunctionFailed, history.LambdaFunctionTimedOut}
	activityEvents = taskEvents{history.ActivityScheduled, history.ActivityStarted, "",
		history.ActivitySucceeded, history.ActivityFailed, history.ActivityTimedOut}
	integrationEvents = taskEvents{history.TaskScheduled, history.TaskStarted, history.TaskSubmitted,
		history.TaskSucceeded, history.TaskFailed, history.TaskTimedOut}
)

func eventsOf(r asl.Resource) taskEvents {
	switch r.Kind {
	case asl.ResourceLambda:
		return lambdaEvents
	case asl.ResourceActivity:
		return activityEvents
	}
	return integrationEvents
}

// taskEvent fills the resource fields of a task history event: a service
// integration's events name its service and action; a Lambda function's or an
// activity's name its ARN when it is scheduled, and nothing after.
func taskEvent(typ history.Type, r asl.Resource) history.Event {
	e := history.Event{Type: typ}
	switch r.Kind {
	case asl.ResourceLambda, asl.ResourceActivity:
		if typ == lambdaEvents.scheduled || typ == activityEvents.scheduled {
			e.Resource = r.ARN
		}
	default:
		e.ResourceType = r.Service
		e.Resource = r.Action + patternSuffix[r.Pattern]
	}
	return e
}

var patternSuffix = map[asl.IntegrationPattern]string{
	asl.PatternSync: ".sync", asl.PatternSync2: ".sync:2", asl.PatternWaitForTaskToken: ".waitForTaskToken",
}

// task dispatches the Task state's work (again, after a retry interval).
func (s *stepper) task(p *Path) {
	st := p.state
	spec := st.Task
	p.TaskToken = s.src.TaskToken()
	input, err := s.effectiveInput(p)
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	p.Effective = input
	// TimeoutSecondsPath and HeartbeatSecondsPath read the state's raw input.
	env := s.envFor(p, p.Input)
	timeout, err := s.taskSeconds(env, spec.TimeoutSeconds, st.QueryLanguage, 99999999)
	if err == nil && spec.HeartbeatSeconds != nil {
		p.HeartbeatSeconds, err = s.taskSeconds(env, spec.HeartbeatSeconds, st.QueryLanguage, 99999999)
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	var creds any
	env.Input = input
	if spec.Credentials != nil {
		if creds, err = spec.Credentials.Eval(env); err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
	}
	if err := s.checkSize(input); err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	if r := spec.Resource; r.Kind == asl.ResourceActivity {
		if c, ok := s.src.(ActivityChecker); ok && !c.ActivityExists(s.x.Info.ID, r.ARN) {
			s.fail(p, s.stateFailure(p, aslerr.Newf(aslerr.Runtime, "The activity %s does not exist.", r.ARN)))
			return
		}
	}

	p.TaskID = s.nextID()
	p.Phase = PhaseTask
	p.TaskStarted = false
	r := spec.Resource
	evs := eventsOf(r)
	sched := taskEvent(evs.scheduled, r)
	sched.Input, sched.HasInput = input, true
	if timeout > 0 {
		sched.TimeoutSeconds = timeout
	}
	sched.HeartbeatSeconds = p.HeartbeatSeconds
	if r.Kind == asl.ResourceIntegration {
		sched.Region = s.region()
	}
	s.emit(p, sched)
	attempt := 0
	for _, a := range p.Attempts {
		attempt += a
	}
	s.effect(Effect{Kind: EffectInvokeTask, Task: &TaskDispatch{
		TaskID: p.TaskID, PathID: p.ID, State: st.Name, Resource: r, Input: input, Token: p.TaskToken,
		TimeoutSeconds: timeout, HeartbeatSeconds: p.HeartbeatSeconds, Attempt: attempt, Credentials: creds,
	}})
	if timeout > 0 {
		p.TimeoutTimer = s.armTimer(TimerTaskTimeout, time.Duration(timeout)*time.Second)
	}
	if r.Kind != asl.ResourceActivity {
		s.taskStarted(p, "")
	}
}

// region is the region of the execution's ARN.
func (s *stepper) region() string {
	arn := s.x.Info.StateMachineID
	// arn:aws:states:REGION:ACCOUNT:stateMachine:NAME
	colons := 0
	start := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			colons++
			if colons == 3 {
				start = i + 1
			} else if colons == 4 {
				return arn[start:i]
			}
		}
	}
	return ""
}

// taskSeconds evaluates TimeoutSeconds(Path) or HeartbeatSeconds(Path): a
// positive integer.
func (s *stepper) taskSeconds(env *asl.Env, f *asl.Field, ql asl.QueryLanguage, max int64) (int64, error) {
	if f == nil {
		return 0, nil
	}
	secs, v, err := integerField(env, f, ql)
	if err != nil && err != errNotInteger {
		return 0, err
	}
	if err == errNotInteger || secs <= 0 || secs > max {
		if ql == asl.JSONata {
			return 0, asl.UnexpectedType(f.Expr, f.Name, "positive integer", v)
		}
		return 0, aslerr.Newf(aslerr.Runtime, "The %s field must refer to a positive integer value: %s == %s",
			f.Name, f.Expr.String(), jsonvalue.String(v))
	}
	return secs, nil
}

// taskStarted records that the task runs and arms its heartbeat timer.
func (s *stepper) taskStarted(p *Path, worker string) {
	if p.TaskStarted {
		return
	}
	p.TaskStarted = true
	r := p.state.Task.Resource
	ev := taskEvent(eventsOf(r).started, r)
	ev.WorkerName = worker
	s.emit(p, ev)
	if p.HeartbeatSeconds > 0 {
		p.HeartbeatTimer = s.armTimer(TimerHeartbeat, time.Duration(p.HeartbeatSeconds)*time.Second)
	}
}

// taskEvent applies an outside event to the task p waits for.
func (s *stepper) taskEvent(p *Path, ev Event) {
	if p.state.Type == asl.TypeMap {
		s.mapRunEvent(p, ev)
		return
	}
	r := p.state.Task.Resource
	evs := eventsOf(r)
	switch ev.Kind {
	case EventTaskStarted:
		s.taskStarted(p, ev.WorkerName)
	case EventTaskHeartbeat:
		if p.HeartbeatSeconds > 0 {
			s.cancelTimer(&p.HeartbeatTimer)
			p.HeartbeatTimer = s.armTimer(TimerHeartbeat, time.Duration(p.HeartbeatSeconds)*time.Second)
		}
	case EventTaskSubmitted:
		if evs.submitted != "" {
			e := taskEvent(evs.submitted, r)
			e.Output, e.HasOutput = ev.Output, true
			s.emit(p, e)
		}
	case EventTaskSucceeded:
		s.taskStarted(p, "")
		s.endTask(p)
		if err := s.checkSize(ev.Output); err != nil {
			s.resultTooLarge(p, r, evs)
			return
		}
		e := taskEvent(evs.succeeded, r)
		e.Output, e.HasOutput = ev.Output, true
		s.emit(p, e)
		out, assigned, err := s.resultOutput(p, ev.Output)
		if err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		s.complete(p, out, assigned)
	case EventTaskFailed:
		s.taskStarted(p, "")
		s.endTask(p)
		e := taskEvent(evs.failed, r)
		e.Error, e.Cause = ev.Error, ev.Cause
		s.emit(p, e)
		// A runner that found the result over the quota (an HTTP Task's
		// response) fails the task as resultTooLarge does.
		f := aslerr.New(ev.Error, ev.Cause)
		f.ErrorNull, f.CauseNull = ev.ErrorNull, ev.CauseNull
		s.handle(p, f, false, ev.Error == aslerr.DataLimitExceeded)
	}
}

// resultTooLarge fails a task whose result exceeds the payload quota, as AWS
// records it: the task's failed event (not its succeeded one, so the result
// is not in the history) with States.DataLimitExceeded, a cause naming the
// service of an integration, or the Resource of a Lambda function or an
// activity (AWS's recording names the function's ARN); then the state's
// Retry and Catch take it as any task failure, States.ALL included (a state's
// output over the quota, by contrast, ends the execution).
func (s *stepper) resultTooLarge(p *Path, r asl.Resource, evs taskEvents) {
	owner := r.ARN
	if r.Kind != asl.ResourceLambda && r.Kind != asl.ResourceActivity && r.Service != "" {
		owner = r.Service
	}
	if owner == "" {
		owner = p.StateName
	}
	f := aslerr.Newf(aslerr.DataLimitExceeded,
		"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", owner)
	e := taskEvent(evs.failed, r)
	e.Error, e.Cause = f.Name, f.Cause
	s.emit(p, e)
	s.handle(p, f, false, true)
}

// cancelTask says the task p runs is no longer wanted: a Task's, or a Map
// Run's (which then aborts).
func (s *stepper) cancelTask(p *Path) {
	d := &TaskDispatch{TaskID: p.TaskID, PathID: p.ID, State: p.StateName, Token: p.TaskToken}
	if p.state.Task != nil {
		d.Resource = p.state.Task.Resource
	} else {
		d.MapRun = &MapRunSpec{ARN: p.MapRun}
	}
	s.effect(Effect{Kind: EffectCancelTask, Task: d})
}

// endTask clears a finished task and its timers.
func (s *stepper) endTask(p *Path) {
	p.TaskID = 0
	s.cancelTimer(&p.TimeoutTimer)
	s.cancelTimer(&p.HeartbeatTimer)
}

// taskTimedOut fails a task whose TimeoutSeconds or HeartbeatSeconds ran out.
func (s *stepper) taskTimedOut(p *Path, heartbeat bool) {
	if p.Phase != PhaseTask {
		return
	}
	r := p.state.Task.Resource
	s.cancelTask(p)
	s.endTask(p)
	// A missed heartbeat is States.Timeout too, as AWS records it
	// (LocalStack's test_heartbeats); Catch and Retry can still tell it by
	// States.HeartbeatTimeout.
	e := taskEvent(eventsOf(r).timedOut, r)
	e.Error = aslerr.Timeout
	s.emit(p, e)
	s.fail(p, &aslerr.Failure{Name: aslerr.Timeout, Heartbeat: heartbeat})
}
