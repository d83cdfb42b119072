package awsreq_test

import (
	"net/http"
	"testing"

	"github.com/stepd/stepd/runner/awsreq"
)

// TestJSONError: the type comes from X-Amzn-Errortype, else the body's
// __type or code, without its namespace or URL; a query-compatible service's
// code is its X-Amzn-Query-Error code.
func TestJSONError(t *testing.T) {
	tests := []struct {
		name                    string
		header                  map[string]string
		body                    string
		code, typeCode, message string
	}{
		{"header", map[string]string{"X-Amzn-Errortype": "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/"},
			`{"Type":"User","Message":"Function not found"}`, "ResourceNotFoundException", "ResourceNotFoundException", "Function not found"},
		{"__type", nil, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}`,
			"ResourceNotFoundException", "ResourceNotFoundException", "no table"},
		{"query compatible", map[string]string{"X-Amzn-Query-Error": "AWS.SimpleQueueService.NonExistentQueue;Sender"},
			`{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "The specified queue does not exist."},
		{"not JSON", nil, `<html>bad gateway</html>`, "", "", ""},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		code, typeCode, message := awsreq.JSONError(h, []byte(tt.body))
		if code != tt.code || typeCode != tt.typeCode || message != tt.message {
			t.Errorf("%s: %q %q %q, want %q %q %q", tt.name, code, typeCode, message, tt.code, tt.typeCode, tt.message)
		}
	}
}
