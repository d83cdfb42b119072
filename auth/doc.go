// Package auth decides who may call stepd: it verifies AWS Signature Version
// 4 on API calls against the key pairs of the configuration (each mapped to an
// account, so that accounts are kept apart), keeps the web console's login
// sessions with their CSRF tokens, and, when authentication is off, admits
// only requests whose Host names this machine (which defeats DNS rebinding).
//
// Its refusals are *Error values worded as AWS words them (for SigV4: the
// messages of AWS's JSON protocol services, MissingAuthenticationTokenException,
// IncompleteSignatureException, InvalidSignatureException,
// UnrecognizedClientException), which the API layer answers in AWS's error
// shape. The package imports nothing of stepd's: it knows HTTP requests, keys
// and accounts, not Step Functions.
//
// docs/security.md describes the checks and their order for users.
package auth
