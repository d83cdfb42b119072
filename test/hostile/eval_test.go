//go:build hostile

package hostile

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Expressions that try to run forever or take the node's memory: a JSONata
// tail call that loops, an array of copies of a large array, a JSONPath
// whose filters scan again and again, intrinsic calls whose work is
// quadratic. Each fails its state on its evaluation budget, in bounded time,
// with a cause naming the budget, while the node answers others; Catch
// applies; and after a restart the node is idle.

const loop = `($f := function($x){ $f($x + 1) }; $f(0))`

func TestLoopingExpression(t *testing.T) {
	n := serve(t)
	fails := n.createMachine(t, "loops", "STANDARD", `{"QueryLanguage":"JSONata","StartAt":"Loop","States":{
		"Loop":{"Type":"Pass","Output":"{% `+loop+` %}","End":true}}}`)
	caught := n.createMachine(t, "loops-caught", "STANDARD", `{"QueryLanguage":"JSONata","StartAt":"Loop","States":{
		"Loop":{"Type":"Map","Items":"{% `+loop+` %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
			"Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"Caught"}],"End":true},
		"Caught":{"Type":"Succeed"}}}`)

	// Many at once, as clients retrying would start them: each start answers
	// (its first step runs inline and fails on the budget), and the node
	// answers other calls meanwhile.
	const clients = 20
	arns := make([]string, clients)
	took := make([]time.Duration, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			began := time.Now()
			arns[i] = n.start(t, fails, `{}`)
			took[i] = time.Since(began)
		}()
	}
	n.answersFast(t, "while the loops run")
	wg.Wait()
	for i, arn := range arns {
		if took[i] > 5*time.Second {
			t.Errorf("StartExecution of a looping expression took %v", took[i])
		}
		d := n.waitEnd(t, arn, 10*time.Second)
		want := "The JSONata expression '" + loop + "' specified for the field 'Output' exceeded its evaluation budget of "
		if d.Status != "FAILED" || d.Error != "States.QueryEvaluationError" || !strings.Contains(d.Cause, want) {
			t.Fatalf("%+v", d)
		}
		if i == 0 {
			t.Logf("the start answered in %v: %s", took[i], d.Cause)
		}
	}
	if d := n.waitEnd(t, n.start(t, caught, `{}`), 10*time.Second); d.Status != "SUCCEEDED" {
		t.Errorf("a Catch of States.ALL did not take the budget's error: %+v", d)
	}

	n.Stop()
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	cpu := cpuSeconds(n.Pid())
	time.Sleep(2 * time.Second) // measuring what the process does while idle
	if used := cpuSeconds(n.Pid()) - cpu; used > 0.5 {
		t.Errorf("the restarted node used %.2f s of CPU in 2 s idle", used)
	}
	n.answersFast(t, "after the restart")
}

// $count([$a,$a,$a,$a,$a]) over two million numbers would build ten million
// items: it fails on the budget of bytes before it builds them.
func TestArrayOfCopies(t *testing.T) {
	n := serve(t)
	sm := n.createMachine(t, "copies", "STANDARD", `{"QueryLanguage":"JSONata","StartAt":"Copies","States":{
		"Copies":{"Type":"Pass","Output":"{% ($a := [1..2000000]; $count([$a,$a,$a,$a,$a])) %}","End":true}}}`)
	d := n.waitEnd(t, n.start(t, sm, `{}`), 30*time.Second)
	if d.Status != "FAILED" || d.Error != "States.QueryEvaluationError" || !strings.Contains(d.Cause, "exceeded its evaluation budget of 67108864 bytes") {
		t.Errorf("%+v", d)
	}
	if rss := rssMB(n.Pid()); rss > maxRSSMB {
		t.Errorf("RSS %.0f MB, over %d MB", rss, maxRSSMB)
	}
	n.answersFast(t, "after the copies")
}

// A JSONPath whose filters deep-scan inside deep scans, over a deeply nested
// input: the work is the depth to the fourth power.
func TestJSONPathBomb(t *testing.T) {
	n := serve(t)
	sm := n.createMachine(t, "path-bomb", "STANDARD", `{"StartAt":"Scan","States":{
		"Scan":{"Type":"Pass","Parameters":{"v.$":"$..a[?(@..a[?(@..a[?(@..a)])])]..*"},"End":true}}}`)
	input := strings.Repeat(`{"a":[`, 300) + `1` + strings.Repeat(`]}`, 300)
	began := time.Now()
	d := n.waitEnd(t, n.start(t, sm, input), 30*time.Second)
	if d.Status != "FAILED" || d.Error != "States.Runtime" || !strings.Contains(d.Cause, "exceeded its evaluation budget of") {
		t.Errorf("%+v", d)
	}
	t.Logf("failed in %v: %s", time.Since(began), d.Cause)
	n.answersFast(t, "after the path bomb")
}

// Intrinsic calls: States.ArrayRange past AWS's 1000 items, States.ArrayUnique
// over 20,000 distinct items (quadratic), States.StringSplit of a long
// string at any of many delimiters, nested in a States.Format.
func TestIntrinsicBomb(t *testing.T) {
	n := serve(t)
	items := make([]string, 20000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"i":%d}`, i)
	}
	input := `{"items":[` + strings.Join(items, ",") + `]}`
	long := `{"s":"` + strings.Repeat("a,", 30000) + `","d":"` + strings.Repeat("xyz", 20000) + `"}`
	for _, c := range []struct{ name, call, input, cause string }{
		{"range", "States.ArrayRange(1, 100000000, 1)", `{}`, "more than the limit of 1000"},
		{"unique", "States.ArrayUnique($.items)", input, "the evaluation exceeded its budget of"},
		{"split", "States.ArrayLength(States.StringSplit(States.Format('{}{}', $.s, $.s), $.d))", long, "the evaluation exceeded its budget of"},
	} {
		sm := n.createMachine(t, "intrinsic-"+c.name, "STANDARD", `{"StartAt":"Call","States":{
			"Call":{"Type":"Pass","Parameters":{"v.$":"`+c.call+`"},"End":true}}}`)
		began := time.Now()
		d := n.waitEnd(t, n.start(t, sm, c.input), 30*time.Second)
		if d.Status != "FAILED" || d.Error != "States.Runtime" || !strings.Contains(d.Cause, c.cause) {
			t.Errorf("%s: %+v", c.name, d)
		}
		t.Logf("%s failed in %v: %s", c.name, time.Since(began), d.Cause)
	}
	n.answersFast(t, "after the intrinsic bombs")
}
