// Package stepd is a self-hosted AWS Step Functions. This root package holds no
// code: its architecture test keeps the layers' import arrows honest.
//
// The layers, inner to outer (an inner layer never imports an outer one):
//
//	jsonvalue, asl/aslerr            leaves
//	asl/jsonpath, asl/intrinsic      AWS's JSONPath and intrinsic functions
//	jsonata                          the JSONata language, usable on its own
//	asl                              definitions: model, validator, expressions
//	history                          execution events in AWS's shapes
//	interp                           the pure, deterministic transition function
//	runner, runner/*                 Task runners (seams the engine uses)
//	engine                           drives executions: store, timers, effects
//	service                          machines, the two engines, routing between them
//	awsapi                           the AWS JSON 1.0 API
//	cmd/stepd                        wiring, flags, configuration
package stepd
