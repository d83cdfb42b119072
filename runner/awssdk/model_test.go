package awssdk

import "testing"

// TestTable: every service of the generated table decodes, speaks a protocol
// the generic client speaks, and its operations' shapes are all present.
func TestTable(t *testing.T) {
	t.Parallel()
	names := modelNames()
	if len(names) < 400 {
		t.Fatalf("only %d services in the table", len(names))
	}
	for _, name := range names {
		m, err := decodeModel(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Protocol != "json" && m.Protocol != "rest-json" && m.Protocol != "query" {
			t.Errorf("%s: protocol %q", name, m.Protocol)
		}
		if m.Protocol == "json" && m.TargetPrefix == "" || m.SigningName == "" || len(m.Operations) == 0 {
			t.Errorf("%s: incomplete: %+v", name, m)
		}
		for op, o := range m.Operations {
			for _, s := range append([]string{o.Input, o.Output}, o.Errors...) {
				if s != "" && m.Shapes[s] == nil {
					t.Errorf("%s %s: no shape %s", name, op, s)
				}
			}
		}
	}
	for name, want := range map[string]string{"secretsmanager": "SecretsManager", "cloudwatchlogs": "CloudWatchLogs", "apigateway": "ApiGateway",
		"elasticache": "ElastiCache", "iam": "Iam", "eventbridge": "EventBridge", "autoscaling": "AutoScaling"} {
		if m := lookupModel(name); m == nil || m.Name != want {
			t.Errorf("%s: %+v, want the name %s", name, m, want)
		}
	}
	if lookupModel("ec2") != nil || lookupModel("cloudfront") != nil {
		t.Errorf("ec2 and rest-xml services must stay out of the table")
	}
}

func BenchmarkDecodeModel(b *testing.B) {
	for b.Loop() {
		if _, err := decodeModel("iam"); err != nil {
			b.Fatal(err)
		}
	}
}
