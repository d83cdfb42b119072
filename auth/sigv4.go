package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Credential is one key pair of the configuration and the account it acts
// for.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, when set, must come with every request signed with this
	// key (X-Amz-Security-Token), as with temporary credentials; when empty, a
	// request that carries a token is refused.
	SessionToken string
	// Account is the 12-digit account ID of the ARNs this key's calls make and
	// see.
	Account string
}

// Error is a refused request as AWS answers it: the HTTP status, and the
// error code and message of {"__type": "com.amazon.coral.service#<Code>",
// "message": <Message>}.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Refusal returns the answer to the refused request; the API layer writes it
// in AWS's error shape.
func (e *Error) Refusal() (status int, code, message string) { return e.Status, e.Code, e.Message }

// The error codes of refused signatures, as AWS's JSON protocol services
// answer them (HTTP 400 for all of them).
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	// CodeAccessDenied: a console call without a valid CSRF token, or a
	// request for a Host this machine does not answer (HTTP 403).
	CodeAccessDenied = "AccessDeniedException"
)

// MaxSkew is how far a request's date may be from the server's clock, as on
// AWS.
const MaxSkew = 15 * time.Minute

// algorithm is the only signing algorithm stepd verifies.
const algorithm = "AWS4-HMAC-SHA256"

// amzDate is the layout of X-Amz-Date: ISO 8601 basic format, UTC.
const amzDate = "20060102T150405Z"

// Verifier checks AWS Signature Version 4 on requests against a set of
// credentials. It is safe for concurrent use; a key's derived signing key is
// computed once per day and kept.
type Verifier struct {
	keys    map[string]*key
	region  string
	service string
	now     func() time.Time
}

// key is a credential with its derived signing keys: one slot per parity of
// the day, so that requests on both sides of midnight UTC share the cache.
type key struct {
	Credential
	derived [2]atomic.Pointer[derivedKey]
}

type derivedKey struct {
	date string // YYYYMMDD
	key  [sha256.Size]byte
}

// NewVerifier returns a Verifier of the credentials for requests scoped to a
// region and a service ("states"). now is its clock (nil: time.Now). Access
// key IDs must be unique, and every field but SessionToken set.
func NewVerifier(creds []Credential, region, service string, now func() time.Time) (*Verifier, error) {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{keys: map[string]*key{}, region: region, service: service, now: now}
	for i, c := range creds {
		switch {
		case c.AccessKeyID == "":
			return nil, fmt.Errorf("credential %d has no access key ID", i+1)
		case c.SecretAccessKey == "":
			return nil, fmt.Errorf("credential %s has no secret access key", c.AccessKeyID)
		case !validAccount(c.Account):
			return nil, fmt.Errorf("credential %s: the account must be 12 digits, not %q", c.AccessKeyID, c.Account)
		case v.keys[c.AccessKeyID] != nil:
			return nil, fmt.Errorf("the access key ID %s appears twice", c.AccessKeyID)
		}
		v.keys[c.AccessKeyID] = &key{Credential: c}
	}
	if len(v.keys) == 0 {
		return nil, fmt.Errorf("no credentials")
	}
	return v, nil
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Lookup returns the credential of an access key ID.
func (v *Verifier) Lookup(accessKeyID string) (Credential, bool) {
	k := v.keys[accessKeyID]
	if k == nil {
		return Credential{}, false
	}
	return k.Credential, true
}

// HasAuthorization reports whether a request carries SigV4 authentication
// (an Authorization header, or the X-Amz-Algorithm query parameter of a
// presigned request), whether or not it is valid.
func HasAuthorization(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || strings.Contains(r.URL.RawQuery, "X-Amz-Algorithm=")
}

// Verify checks a request's signature, with its body, and returns the
// account of its key. The checks run in AWS's order, each refusing with AWS's
// code and message: the Authorization header's presence and parts, the date
// and its skew (at most MaxSkew), Host among the signed headers, the
// algorithm, the credential scope (this verifier's region and service), the
// key, the signature, the session token, and last the body against
// X-Amz-Content-Sha256 when the request carries one. Only the Authorization
// header form is verified: a presigned (query-string) request is refused.
func (v *Verifier) Verify(r *http.Request, body []byte) (account string, err error) {
	authz := r.Header.Get("Authorization")
	presigned := strings.Contains(r.URL.RawQuery, "X-Amz-Algorithm=")
	switch {
	case authz != "" && presigned:
		return "", invalidSignature("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case authz == "" || !strings.HasPrefix(strings.TrimSpace(authz), "AWS4-"):
		return "", &Error{Status: http.StatusBadRequest, Code: CodeMissingAuthenticationToken, Message: "Request is missing Authentication Token"}
	}
	a, err := parseAuthorization(authz)
	if err != nil {
		return "", err
	}
	stamp := r.Header.Get("X-Amz-Date")
	if msg := a.missing(stamp != "" || r.Header.Get("Date") != ""); msg != "" {
		return "", incomplete(msg + "Authorization=" + clip(authz))
	}
	when, stamp, err := requestTime(r, stamp)
	if err != nil {
		return "", err
	}
	now := v.now().UTC()
	switch {
	case when.Before(now.Add(-MaxSkew)):
		return "", invalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			stamp, now.Add(-MaxSkew).Format(amzDate), now.Format(amzDate)))
	case when.After(now.Add(MaxSkew)):
		return "", invalidSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			stamp, now.Add(MaxSkew).Format(amzDate), now.Format(amzDate)))
	}
	signed := strings.Split(a.signedHeaders, ";")
	hasHost := false
	for i, h := range signed {
		if !isLowerName(h) {
			signed[i] = strings.ToLower(strings.TrimSpace(h))
		}
		hasHost = hasHost || signed[i] == "host"
	}
	if !sort.StringsAreSorted(signed) {
		sort.Strings(signed)
	}
	if !hasHost {
		return "", invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if a.algorithm != algorithm {
		return "", incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). ", clip(a.algorithm)))
	}
	scope := strings.Split(strings.TrimRight(a.credential, "/"), "/")
	if len(scope) != 5 {
		return "", incomplete(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", clip(a.credential)))
	}
	keyID, date, region, service, term := scope[0], scope[1], scope[2], scope[3], scope[4]
	var wrong strings.Builder
	if region != v.region {
		fmt.Fprintf(&wrong, "Credential should be scoped to a valid region, not '%s'. ", clip(region))
	}
	if service != v.service {
		fmt.Fprintf(&wrong, "Credential should be scoped to correct service: '%s'. ", v.service)
	}
	if term != "aws4_request" {
		fmt.Fprintf(&wrong, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", clip(term))
	}
	if date != stamp[:8] {
		fmt.Fprintf(&wrong, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			clip(date), stamp[:8], stamp)
	}
	if wrong.Len() > 0 {
		return "", invalidSignature(wrong.String())
	}
	k := v.keys[keyID]
	if k == nil {
		return "", unrecognized("The security token included in the request is invalid.")
	}

	payload := r.Header.Get("X-Amz-Content-Sha256")
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	if payload == "" {
		payload = bodyHash
	}
	canonical := canonicalRequest(r, signed, payload)
	crSum := sha256.Sum256(canonical)
	sts := make([]byte, 0, len(algorithm)+len(stamp)+len(a.credential)+2*sha256.Size+3)
	sts = append(sts, algorithm...)
	sts = append(sts, '\n')
	sts = append(sts, stamp...)
	sts = append(sts, '\n')
	sts = append(sts, date...)
	sts = append(sts, '/')
	sts = append(sts, region...)
	sts = append(sts, '/')
	sts = append(sts, service...)
	sts = append(sts, "/aws4_request\n"...)
	sts = hex.AppendEncode(sts, crSum[:])
	mac := hmac.New(sha256.New, k.signingKey(date, region, service))
	mac.Write(sts)
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], mac.Sum(nil))
	if subtle.ConstantTimeCompare(want[:], []byte(a.signature)) != 1 {
		return "", invalidSignature("The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
			"The Canonical String for this request should have been\n'" + clipTo(string(canonical), 4096) + "'\n\n" +
			"The String-to-Sign should have been\n'" + string(sts) + "'\n")
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(k.SessionToken)) != 1 {
		return "", unrecognized("The security token included in the request is invalid")
	}
	if payload != bodyHash {
		return "", invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return k.Account, nil
}

// isLowerName reports whether a signed header's name is already in the form
// the canonical request uses: lower case, no spaces.
func isLowerName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; ('A' <= c && c <= 'Z') || c == ' ' || c == '\t' {
			return false
		}
	}
	return true
}

// signingKey returns the key derived from the secret for a date, region and
// service, computing it once per date.
func (k *key) signingKey(date, region, service string) []byte {
	slot := &k.derived[date[len(date)-1]&1]
	if d := slot.Load(); d != nil && d.date == date {
		return d.key[:]
	}
	h := hmacSum([]byte("AWS4"+k.SecretAccessKey), date)
	h = hmacSum(h, region)
	h = hmacSum(h, service)
	h = hmacSum(h, "aws4_request")
	d := &derivedKey{date: date}
	copy(d.key[:], h)
	slot.Store(d)
	return d.key[:]
}

func hmacSum(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// authorization is a parsed Authorization header.
type authorization struct {
	algorithm        string
	credential       string
	signedHeaders    string
	hasSignedHeaders bool
	signature        string
}

// parseAuthorization splits "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..." (parts separated by commas or spaces).
func parseAuthorization(h string) (authorization, error) {
	h = strings.TrimSpace(h)
	alg, rest, _ := strings.Cut(h, " ")
	a := authorization{algorithm: alg}
	for rest != "" {
		i := strings.IndexAny(rest, ", ")
		part := rest
		if i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return a, incomplete(fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", clip(part), clip(h)))
		}
		switch k {
		case "Credential":
			a.credential = val
		case "SignedHeaders":
			a.signedHeaders, a.hasSignedHeaders = val, true
		case "Signature":
			a.signature = val
		}
	}
	return a, nil
}

// missing lists the parts the header lacks, as AWS words them (each ends with
// ". ").
func (a authorization) missing(hasDate bool) string {
	var b strings.Builder
	if a.credential == "" {
		b.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.signature == "" {
		b.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !a.hasSignedHeaders || a.signedHeaders == "" {
		b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !hasDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	return b.String()
}

// requestTime reads the request's date, from X-Amz-Date (ISO 8601 basic
// format) or else Date (an HTTP date), and returns it with its X-Amz-Date
// form.
func requestTime(r *http.Request, stamp string) (time.Time, string, error) {
	if stamp == "" {
		d := r.Header.Get("Date")
		t, err := http.ParseTime(d)
		if err != nil {
			return time.Time{}, "", incomplete("Date must be in ISO-8601 'basic format'. Got '" + clip(d) + "'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		return t.UTC(), t.UTC().Format(amzDate), nil
	}
	t, err := time.Parse(amzDate, stamp)
	if err != nil {
		return time.Time{}, "", incomplete("Date must be in ISO-8601 'basic format'. Got '" + clip(stamp) + "'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	return t, stamp, nil
}

// canonicalRequest builds SigV4's canonical request: method, path, query,
// the signed headers (names sorted, values trimmed with inner runs of spaces
// folded), their names, and the payload's hash.
func canonicalRequest(r *http.Request, names []string, payloadHash string) []byte {
	b := make([]byte, 0, 512)
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = appendCanonicalPath(b, r.URL.EscapedPath())
	b = append(b, '\n')
	b = appendCanonicalQuery(b, r.URL.RawQuery)
	b = append(b, '\n')
	for _, name := range names {
		b = append(b, name...)
		b = append(b, ':')
		switch name {
		case "host":
			b = append(b, r.Host...)
		case "content-length":
			if v := r.Header.Get("Content-Length"); v != "" {
				b = appendTrimmed(b, v)
			} else if r.ContentLength >= 0 {
				b = strconv.AppendInt(b, r.ContentLength, 10)
			}
		default:
			for i, v := range r.Header.Values(name) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range names {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	return append(b, payloadHash...)
}

// appendTrimmed appends a header value without leading and trailing spaces,
// with each inner run of spaces as one.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}

// appendCanonicalPath appends the path as SigV4 signs it for services other
// than S3: each segment URI-encoded once more ("/" stays "/").
func appendCanonicalPath(b []byte, escaped string) []byte {
	if escaped == "" {
		return append(b, '/')
	}
	return appendURIEncoded(b, escaped, false)
}

// appendCanonicalQuery appends the query's parameters sorted by name and
// value, each URI-encoded.
func appendCanonicalQuery(b []byte, raw string) []byte {
	if raw == "" {
		return b
	}
	q, _ := url.ParseQuery(raw)
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, pair{k, v})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendURIEncoded(b, p.k, true)
		b = append(b, '=')
		b = appendURIEncoded(b, p.v, true)
	}
	return b
}

// appendURIEncoded percent-encodes everything but RFC 3986's unreserved
// characters (and '/', unless encodeSlash).
func appendURIEncoded(b []byte, s string, encodeSlash bool) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b = append(b, c)
		case c == '/' && !encodeSlash:
			b = append(b, c)
		default:
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

func incomplete(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeIncompleteSignature, Message: msg}
}

func invalidSignature(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidSignature, Message: msg}
}

func unrecognized(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeUnrecognizedClient, Message: msg}
}

// maxQuoted is how many characters of a value a message quotes.
const maxQuoted = 256

// clip shortens a value quoted in a message to maxQuoted characters.
func clip(s string) string { return clipTo(s, maxQuoted) }

// clipTo shortens s to max characters, marking the cut with "...".
func clipTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "..."
		}
		n++
	}
	return s
}
