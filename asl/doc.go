// Package asl reads Amazon States Language definitions into a read-only typed
// model.
//
// Reading happens in three steps:
//
//  1. ReadDocument turns the text (JSON, or YAML as the AWS console accepts) into
//     an ordered JSON object;
//  2. package asl/validate checks it and returns every Diagnostic, each with
//     AWS's code and a location such as /States/Foo/Next;
//  3. Build builds the Definition: each state typed, every transition resolved
//     to a *State, every path, intrinsic call and payload template compiled
//     once. validate.Parse runs the three and fails on any error.
//
// A Definition is immutable and safe for concurrent use by any number of
// executions. Evaluating its expressions (Expr, Template, Condition) is pure:
// everything an expression can see — the state input, the context object,
// variables, randomness — comes in an Env.
package asl
