package auth

import "net/http"

// Authenticator decides who makes an API call: a console session (its
// cookie and CSRF token, when the request carries no SigV4 authorization), or
// else the request's SigV4 signature.
type Authenticator struct {
	Verifier *Verifier
	Sessions *Sessions // nil: no console logins
}

// Authenticate returns the account an API call acts for, or the error that
// refuses it (an *Error).
func (a *Authenticator) Authenticate(r *http.Request, body []byte) (account string, err error) {
	if !HasAuthorization(r) {
		if account, ok, err := a.Sessions.Authenticate(r); ok {
			return account, err
		}
	}
	return a.Verifier.Verify(r, body)
}
