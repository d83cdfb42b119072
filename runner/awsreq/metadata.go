package awsreq

import (
	"net/http"
	"slices"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

// HTTPMetadata is a response's SdkHttpMetadata as Step Functions reports it
// (AWS's SDK for Java's): its headers, every value of each (AllHttpHeaders)
// and the last (HttpHeaders), and its status.
func HTTPMetadata(status int, header http.Header) *jsonvalue.Object {
	all, last := jsonvalue.NewObject(len(header)), jsonvalue.NewObject(len(header))
	names := make([]string, 0, len(header))
	for k := range header {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	for _, k := range names {
		vals := header[k] // as the header was spelled, not canonicalised
		list := make([]any, len(vals))
		for i, v := range vals {
			list[i] = v
		}
		all.Set(k, list)
		last.Set(k, vals[len(vals)-1])
	}
	meta := jsonvalue.NewObject(3)
	meta.Set("AllHttpHeaders", all)
	meta.Set("HttpHeaders", last)
	meta.Set("HttpStatusCode", jsonvalue.Int(int64(status)))
	return meta
}
