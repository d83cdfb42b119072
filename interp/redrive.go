package interp

import (
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/history"
)

// Redrive and the snapshot it resumes from.
//
// An execution that ends FAILED, TIMED_OUT or ABORTED keeps, in Redrive, its
// state as it was just before the end began: for a failure, at the moment the
// first path failed uncaught, before the failure unwound its Parallel and Map
// states (which drop their branches' and iterations' results); for a timeout
// or a stop, as it was when it came. So the snapshot still holds the failed
// path in its failed state with that state's input, the results of the
// branches and iterations that succeeded, and the paths that were running.
// A failure that a Retry or a Catch takes up discards the snapshot taken for
// it: the execution goes on, and a later end takes its own.
//
// RedriveExecution steps the snapshot with Redrive: every path that was
// waiting (a task, a Wait, a retry interval) enters its state again with the
// state's input, every path that was runnable runs on, and Parallel and Map
// states keep their children and results, so only the work that did not
// succeed runs again.

// snapshot records the execution's state for a redrive, once per ending.
func (s *stepper) snapshot() {
	if s.snap != nil {
		return
	}
	for id, arn := range s.failedRuns {
		if p := s.x.Paths[id]; p != nil && p.MapRun == "" {
			p.MapRun = arn
			defer func() { p.MapRun = "" }()
		}
	}
	if b, err := s.x.MarshalBinary(); err == nil {
		s.snap = b
	}
}

// keepSnapshot stores the snapshot in the ended execution, with the IDs and
// the history position the end reached, so that a redrive numbers on from
// there.
func (s *stepper) keepSnapshot() {
	s.x.Redrive = nil
	if s.snap == nil {
		return
	}
	snap, err := UnmarshalExecution(s.snap)
	if err != nil {
		return
	}
	snap.NextID, snap.LastEventID = s.x.NextID, s.x.LastEventID
	s.x.Redrive, _ = snap.MarshalBinary()
}

// Redrive resumes an ended execution from its snapshot (Execution.Redrive,
// decoded; the caller checks that the execution ended): it records ExecutionRedriven, counts the redrive in
// $$.Execution.RedriveCount, arms the execution's timeout again, and runs
// again what did not succeed. lastEventID is the last event of the history
// so far. Like Step, it changes x in place and appends events and effects to
// res.
func Redrive(def *asl.Definition, x *Execution, lastEventID int64, now time.Time, src Source, res *Result) error {
	s := stepper{def: def, x: x, now: now, src: src, res: res}
	if err := s.resolve(); err != nil {
		return err
	}
	info := *x.Info
	info.RedriveCount++
	x.Info = asl.NewExecutionInfo(info)
	x.Status, x.Output, x.Error, x.Cause, x.StopTime = StatusRunning, nil, "", "", time.Time{}
	x.Redrive = nil
	if lastEventID > x.LastEventID {
		x.LastEventID = lastEventID
	}
	x.ContinueTimer, x.Resume, x.TimeoutTimer = 0, nil, 0
	res.Applied = true
	id := s.emit(nil, history.Event{Type: history.ExecutionRedriven, RedriveCount: info.RedriveCount})
	if def.TimeoutSeconds > 0 {
		x.TimeoutTimer = s.armTimer(TimerExecutionTimeout, time.Duration(def.TimeoutSeconds)*time.Second)
	}
	for _, pid := range sortedIDs(x.Paths) {
		p := x.Paths[pid]
		if p.Detached {
			continue
		}
		p.TimerID, p.TimeoutTimer, p.HeartbeatTimer = 0, 0, 0
		p.LastEventID = id
		switch p.Phase {
		case PhaseTask, PhaseWait, PhaseRetry:
			p.TaskID, p.TaskToken, p.TaskStarted, p.HeartbeatSeconds = 0, "", false, 0
			p.Phase, p.Effective, p.Output, p.NextState, p.Assigned = PhaseEnter, nil, nil, "", nil
			if st := p.State(); p.MapRun != "" && st != nil && st.Type == asl.TypeMap && st.Map.Mode == asl.MapDistributed {
				// A Distributed Map: its Map Run is redriven (its failed
				// items run again), not started anew.
				if s.redriveRuns == nil {
					s.redriveRuns = map[*Path]string{}
				}
				s.redriveRuns[p] = p.MapRun
			}
			p.MapRun = ""
			s.schedule(p)
		case PhaseEnter, PhaseExit:
			s.schedule(p)
		}
	}
	s.run()
	if s.capped && x.Status == StatusRunning {
		s.historyFull()
	}
	return nil
}
