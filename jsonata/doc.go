// Package jsonata implements JSONata 2.x, the JSON query and transformation
// language that AWS Step Functions accepts in {% %} expressions, following
// jsonata-js 2.2 (the reference implementation) in results, error codes and
// messages.
//
// # Use
//
// Compile an expression once and evaluate it as often as needed, from any
// number of goroutines:
//
//	expr, err := jsonata.Compile(`Account.Order[Price > 30].{"id": OrderID}`)
//	...
//	v, err := expr.Evaluate(ctx, input, &jsonata.Options{Vars: map[string]any{"states": states}})
//	if jsonata.IsUndefined(v) { ... } // the expression selected nothing
//
// Values are those of package jsonvalue: nil (null), bool, string,
// jsonvalue.Number, float64, int, int64, []any and *jsonvalue.Object, whose
// key order is kept. Inputs are never changed. Numbers taken from the input
// keep their representation; numbers the expression computes are float64,
// which jsonvalue writes as JavaScript does. Undefined, distinct from nil, is
// JSONata's "no value": the result of an expression that selects nothing, the
// input when there is none, and a missing argument of a custom function.
//
// An Env (built once from a Config) holds what evaluations share: custom Go
// functions with their signatures ($partition, $uuid...), built-ins taken
// away ($eval), the clock of $now and $millis, the random source of $random
// and $shuffle, and the limits. Options give one evaluation its Env, its
// variables and, if the caller must be deterministic, its instant ("now" is
// read once per evaluation, as in jsonata-js) and its random source. The
// package reads no clock and draws no random numbers of its own: without a
// clock $now() and $millis() fail with U2001, without a random source
// $random() and $shuffle() fail with U2002.
//
// An evaluation can run under a budget (Options.Budget, package budget) of
// steps, bytes and time, which the evaluator spends as it goes: a node
// evaluated or a function called is a step (tail calls included, so a loop
// ends), the items and characters it builds are bytes, and a regular
// expression spends a step for each 64 bytes it reads. Past it, Evaluate
// returns the budget's *budget.ExceededError.
//
// Errors are *Error values with jsonata-js's code (S0xxx static, T0xxx type,
// D0xxx dynamic), message, position and token. The limits are errors too:
// D1011 when evaluation nests deeper than Config.MaxDepth, D1012 when it
// outlasts Config.Timeout (measured on Config.Clock) or the context's
// deadline, D2014, D2015 and D2016 when one operation would build more than
// Config.MaxLength items or characters.
//
// # How it works
//
// The structure follows jsonata-js, so that behaviour can be checked against
// it piece by piece. A lexer and a top-down operator precedence (Pratt)
// parser build a syntax tree, which is then processed as jsonata-js's
// processAST does: location paths become lists of steps with their
// predicates ("stages"), grouping and sorting attach to steps, the parent
// operator % is resolved to a binding made by an ancestor step, and calls in
// tail position become thunks. The evaluator walks that tree with
// jsonata-js's semantics of sequences: a path yields a sequence, which
// collapses to its only item unless a [] asked to keep singletons; arrays
// built by a constructor at the end of a path are not flattened; steps that
// bind variables (@$x, #$i, %) turn the path into a stream of tuples.
// Functions are values: lambdas close over their frame, partial application
// binds some arguments, ~> chains and composes, and tail calls run in a loop
// so that tail recursion does not grow the stack.
//
// The evaluator avoids the allocations jsonata-js makes for every step: a
// single value stands for the sequence of itself, call records and frames are
// carved from blocks, a signature's check returns the arguments unchanged
// when they need no fixing up, date/time pictures are analysed once, and
// a transform copies only the objects it changes and their ancestors. On the
// representative expressions of bench/jsonata-js, evaluation is 4 to 16 times
// faster than jsonata-js on Node.
//
// # Conformance
//
// The official jsonata-js test suite (its 1686 cases, run by TestSuite from
// ../shared/jsonata when present) passes in full. Known failures would be
// listed here with their reason, and TestSuite fails on any case that is not
// listed as failing or that passes while listed:
//
//	(none)
//
// The suite's runner decodes the expression text of two cases keeping a lone
// surrogate escape as its WTF-8 bytes (JSON decoders in Go replace it with
// U+FFFD); $encodeUrl rejects such malformed text with D3140, as jsonata-js
// rejects the lone surrogate.
//
// Where the two implementations differ, on purpose or by necessity:
//
//   - Object keys keep the order in which they were written or built.
//     JavaScript puts keys that look like array indexes ("0", "17") first, in
//     numeric order; that shows in $keys, $each, $string and wildcards over
//     such objects.
//   - Regular expressions are JavaScript's syntax run by Go's RE2 engine:
//     lookaround and backreferences are compile errors (S0303, an error
//     jsonata-js has no code for), \s and . follow JavaScript's definitions,
//     and match positions are reported in UTF-16 units as in JavaScript.
//   - Strings are UTF-8: a lone surrogate cannot be represented. Input text
//     with one has U+FFFD instead, and splitting on "" gives U+FFFD for each
//     half of a character outside the Basic Multilingual Plane, where
//     JavaScript gives the two lone surrogates.
//   - $toMillis reads a timestamp without an offset as UTC; JavaScript's
//     Date.parse reads it in the machine's time zone.
//   - A transform keeps the numbers it copies as they are; jsonata-js's $clone
//     rounds them to 15 significant digits through JSON.stringify.
//   - Where jsonata-js fails with a JavaScript exception and no JSONata code
//     (a call on an invalid argument, a stack overflow, a string too long),
//     this package returns an *Error: a JSONata code where one fits (T1006,
//     D1011, D3001), D2015 or D2016 for the length limit, S0218 for an
//     expression nested more than 5000 levels deep.
//   - Functions have no JSON form: a function in a result is left out of
//     objects, null in arrays, and a function result is Undefined (what
//     JSON.stringify makes of them).
//   - A predicate on an undefined value selects nothing; jsonata-js can select
//     "undefined" and leave a hole in an array.
//   - Errors raised by custom functions have code U0000 and wrap the
//     function's error.
//
// # Testing
//
// Besides the suite, the tests cover the API, concurrent evaluation (run
// them with -race), and check that the benchmarked expressions give
// jsonata-js's results. FuzzEvaluate compiles and evaluates arbitrary
// expressions seeded with the suite's; testdata/fuzz keeps the inputs that
// once failed. Benchmarks: BenchmarkCompile, BenchmarkJSComparison (the
// cases compared with jsonata-js by bench/jsonata-js/compare.js) and
// BenchmarkStepFunctions (small payloads and variables, as in a workflow).
package jsonata
