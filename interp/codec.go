package interp

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
)

// The encoded form of an execution is JSON: readable when debugging a stuck
// execution with sqlite3, and JSON values keep their key order and digits
// through jsonvalue. Field names are short because the state is written at every
// step.

type encExecution struct {
	Info      encInfo         `json:"i"`
	Limits    Limits          `json:"l"`
	Status    Status          `json:"s"`
	Output    json.RawMessage `json:"o,omitempty"`
	Error     string          `json:"e,omitempty"`
	Cause     string          `json:"c,omitempty"`
	Start     time.Time       `json:"t0"`
	Stop      time.Time       `json:"t1,omitzero"`
	LastEvent int64           `json:"le"`
	NextID    int64           `json:"n"`
	Timeout   int64           `json:"to,omitempty"`
	Continue  int64           `json:"ct,omitempty"`
	Resume    []int64         `json:"rq,omitempty"`
	Paths     []encPath       `json:"p"`
}

type encInfo struct {
	ID           string          `json:"id"`
	Name         string          `json:"n"`
	RoleArn      string          `json:"r"`
	StartTime    string          `json:"t"`
	Input        json.RawMessage `json:"in"`
	RedriveCount int             `json:"rc,omitempty"`
	MachineID    string          `json:"m"`
	MachineName  string          `json:"mn"`
}

type encPath struct {
	ID        int64           `json:"id"`
	Parent    int64           `json:"pa,omitempty"`
	Graph     int             `json:"g,omitempty"`
	Index     int             `json:"ix,omitempty"`
	State     string          `json:"st"`
	Phase     Phase           `json:"ph,omitempty"`
	Input     json.RawMessage `json:"in,omitempty"`
	Effective json.RawMessage `json:"ef,omitempty"`
	Output    json.RawMessage `json:"o,omitempty"`
	Next      string          `json:"nx,omitempty"`

	EnteredEvent int64     `json:"ee,omitempty"`
	EnteredTime  time.Time `json:"et,omitzero"`
	LastEvent    int64     `json:"le,omitempty"`
	Attempts     []int     `json:"at,omitempty"`
	Retries      int       `json:"rt,omitempty"`

	TaskID           int64  `json:"tk,omitempty"`
	TaskToken        string `json:"tt,omitempty"`
	TaskStarted      bool   `json:"ts,omitempty"`
	TimerID          int64  `json:"ti,omitempty"`
	TimeoutTimer     int64  `json:"tot,omitempty"`
	HeartbeatTimer   int64  `json:"hbt,omitempty"`
	HeartbeatSeconds int64  `json:"hbs,omitempty"`

	Children       []int64         `json:"ch,omitempty"`
	Results        json.RawMessage `json:"rs,omitempty"`
	Remaining      int             `json:"rm,omitempty"`
	Items          json.RawMessage `json:"it,omitempty"`
	NextItem       int             `json:"ni,omitempty"`
	MaxConcurrency int             `json:"mc,omitempty"`
	Failures       int             `json:"fl,omitempty"`
	ResultBytes    int             `json:"rb,omitempty"`
	Detached       bool            `json:"dt,omitempty"`
	MapRun         string          `json:"mr,omitempty"`
	Vars           json.RawMessage `json:"v,omitempty"`
	Assigned       json.RawMessage `json:"av,omitempty"`
}

// raw encodes a value; absent (Go nil interface from a path with no value)
// encodes as null, which decodes back to nil: the two are the same JSON null.
func raw(v any) json.RawMessage { return jsonvalue.Marshal(v) }

// rawOpt encodes a value only when set.
func rawOpt(v any, set bool) json.RawMessage {
	if !set {
		return nil
	}
	return raw(v)
}

// MarshalBinary encodes the execution for the store.
func (x *Execution) MarshalBinary() ([]byte, error) {
	e := encExecution{
		Info: encInfo{
			ID: x.Info.ID, Name: x.Info.Name, RoleArn: x.Info.RoleArn, StartTime: x.Info.StartTime, Input: raw(x.Info.Input),
			RedriveCount: x.Info.RedriveCount, MachineID: x.Info.StateMachineID, MachineName: x.Info.StateMachineName,
		},
		Limits: x.Limits, Status: x.Status, Error: x.Error, Cause: x.Cause, Start: x.StartTime, Stop: x.StopTime,
		LastEvent: x.LastEventID, NextID: x.NextID, Timeout: x.TimeoutTimer, Continue: x.ContinueTimer,
		Resume: x.Resume,
	}
	if x.Status == StatusSucceeded {
		e.Output = raw(x.Output)
	}
	for _, id := range sortedIDs(x.Paths) {
		p := x.Paths[id]
		ep := encPath{
			ID: p.ID, Parent: p.Parent, Graph: p.Graph, Index: p.Index, State: p.StateName, Phase: p.Phase,
			Input: raw(p.Input), Effective: raw(p.Effective), Output: raw(p.Output), Next: p.NextState,
			EnteredEvent: p.EnteredEventID, EnteredTime: p.EnteredTime, LastEvent: p.LastEventID,
			Attempts: p.Attempts, Retries: p.Retries,
			TaskID: p.TaskID, TaskToken: p.TaskToken, TaskStarted: p.TaskStarted, TimerID: p.TimerID,
			TimeoutTimer: p.TimeoutTimer, HeartbeatTimer: p.HeartbeatTimer, HeartbeatSeconds: p.HeartbeatSeconds,
			Children: p.Children, Results: rawOpt(p.Results, p.Results != nil), Remaining: p.Remaining,
			Items: rawOpt(p.Items, p.Items != nil), NextItem: p.NextItem, MaxConcurrency: p.MaxConcurrency,
			Failures: p.Failures, ResultBytes: p.ResultBytes, Detached: p.Detached, MapRun: p.MapRun,
			Vars: rawOpt(p.Vars, p.Vars != nil), Assigned: rawOpt(p.Assigned, p.Assigned != nil),
		}
		e.Paths = append(e.Paths, ep)
	}
	return json.Marshal(e)
}

func sortedIDs(m map[int64]*Path) []int64 {
	return slices.Sorted(maps.Keys(m))
}

// UnmarshalExecution decodes an execution encoded by MarshalBinary.
func UnmarshalExecution(data []byte) (*Execution, error) {
	var e encExecution
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode execution: %w", err)
	}
	var err error
	value := func(r json.RawMessage) any {
		if len(r) == 0 || err != nil {
			return nil
		}
		v, perr := jsonvalue.Parse(r)
		if perr != nil {
			err = perr
		}
		return v
	}
	list := func(r json.RawMessage) []any {
		v, _ := value(r).([]any)
		return v
	}
	x := &Execution{
		Info: asl.NewExecutionInfo(asl.ExecutionInfo{
			ID: e.Info.ID, Name: e.Info.Name, RoleArn: e.Info.RoleArn, StartTime: e.Info.StartTime, Input: value(e.Info.Input),
			RedriveCount: e.Info.RedriveCount, StateMachineID: e.Info.MachineID, StateMachineName: e.Info.MachineName,
		}),
		Limits: e.Limits, Status: e.Status, Output: value(e.Output), Error: e.Error, Cause: e.Cause,
		StartTime: e.Start, StopTime: e.Stop, LastEventID: e.LastEvent, NextID: e.NextID, TimeoutTimer: e.Timeout, ContinueTimer: e.Continue, Resume: e.Resume,
		Paths: make(map[int64]*Path, len(e.Paths)),
	}
	for _, ep := range e.Paths {
		p := &Path{
			ID: ep.ID, Parent: ep.Parent, Graph: ep.Graph, Index: ep.Index, StateName: ep.State, Phase: ep.Phase,
			Input: value(ep.Input), Effective: value(ep.Effective), Output: value(ep.Output), NextState: ep.Next,
			EnteredEventID: ep.EnteredEvent, EnteredTime: ep.EnteredTime, LastEventID: ep.LastEvent,
			Attempts: ep.Attempts, Retries: ep.Retries,
			TaskID: ep.TaskID, TaskToken: ep.TaskToken, TaskStarted: ep.TaskStarted, TimerID: ep.TimerID,
			TimeoutTimer: ep.TimeoutTimer, HeartbeatTimer: ep.HeartbeatTimer, HeartbeatSeconds: ep.HeartbeatSeconds,
			Children: ep.Children, Results: list(ep.Results), Remaining: ep.Remaining,
			Items: list(ep.Items), NextItem: ep.NextItem, MaxConcurrency: ep.MaxConcurrency,
			Failures: ep.Failures, ResultBytes: ep.ResultBytes, Detached: ep.Detached, MapRun: ep.MapRun,
		}
		p.Vars, _ = value(ep.Vars).(*jsonvalue.Object)
		p.Assigned, _ = value(ep.Assigned).(*jsonvalue.Object)
		x.Paths[p.ID] = p
	}
	if err != nil {
		return nil, fmt.Errorf("decode execution: %w", err)
	}
	return x, nil
}
