// Package awsreq is what the runners that call AWS APIs themselves share:
// SigV4 signing of a request, and reading an AWS JSON or REST-JSON error's
// code and message. The generic client of the AWS SDK integrations
// (runner/awssdk) and the Lambda Invoke API function (runner/lambda) use it.
package awsreq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepd/stepd/jsonvalue"
)

// Sign signs req, whose body is body, with SigV4 for the service (its
// signing name) in region.
func Sign(ctx context.Context, creds aws.CredentialsProvider, req *http.Request, body []byte, service, region string) error {
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), service, region, time.Now())
}

// JSONError reads the code and message of a JSON or REST-JSON error, and
// the error's type: the code, unless the service is compatible with its
// former query protocol, whose codes it then answers in X-Amzn-Query-Error
// ("AWS.SimpleQueueService.NonExistentQueue;Sender" for the type
// QueueDoesNotExist).
func JSONError(header http.Header, body []byte) (code, typeCode, message string) {
	typeCode = header.Get("X-Amzn-Errortype")
	if v, err := jsonvalue.Parse(body); err == nil {
		if o, ok := v.(*jsonvalue.Object); ok {
			for _, k := range []string{"__type", "code", "Code"} {
				if s, ok := member(o, k).(string); ok && s != "" && typeCode == "" {
					typeCode = s
				}
			}
			for _, k := range []string{"message", "Message", "errorMessage"} {
				if s, ok := member(o, k).(string); ok && message == "" {
					message = s
				}
			}
		}
	}
	typeCode, _, _ = strings.Cut(typeCode, ":")
	if i := strings.LastIndexByte(typeCode, '#'); i >= 0 {
		typeCode = typeCode[i+1:]
	}
	code = typeCode
	if q := header.Get("X-Amzn-Query-Error"); q != "" {
		code, _, _ = strings.Cut(q, ";")
	}
	return code, typeCode, message
}

func member(o *jsonvalue.Object, k string) any {
	v, _ := o.Get(k)
	return v
}
