package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// stepdEnv runs the command line in-process with env as its whole
// environment.
func stepdEnv(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = run(context.Background(), args, &streams{in: strings.NewReader(""), out: &out, err: &errOut, lookupEnv: lookup})
	return code, out.String(), errOut.String()
}

var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// commandFlags runs "stepd CMD -h" and returns the flags it lists; the
// usage must be on standard output.
func commandFlags(t *testing.T, cmd ...string) []string {
	t.Helper()
	code, out, errOut := stepdEnv(t, nil, append(cmd, "-h")...)
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: stepd "+strings.Join(cmd, " ")) {
		t.Fatalf("stepd %s -h: exit %d, stdout %q, stderr %q", strings.Join(cmd, " "), code, out, errOut)
	}
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestFlagsDocumented checks that every flag of every command has its row in
// docs/configuration.md, under the command's own heading, naming the flag
// and its environment variable.
func TestFlagsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for name := range commands {
		cmds = append(cmds, name)
	}
	sort.Strings(cmds)
	for _, name := range cmds {
		cmd := []string{name}
		if name == "config" {
			cmd = []string{"config", "check"}
		}
		heading := "## `stepd " + strings.Join(cmd, " ") + "` flags"
		i := bytes.Index(doc, []byte(heading))
		if i < 0 {
			t.Errorf("docs/configuration.md has no section %q", heading)
			continue
		}
		section := doc[i+len(heading):]
		if j := bytes.Index(section, []byte("\n## ")); j >= 0 {
			section = section[:j]
		}
		for _, f := range commandFlags(t, cmd...) {
			row := regexp.MustCompile("(?m)^\\|[^\\n]*`--" + regexp.QuoteMeta(f) + "[ `]")
			loc := row.FindIndex(section)
			if loc == nil {
				t.Errorf("%s: --%s has no row", heading, f)
				continue
			}
			line := section[loc[0]:]
			line = line[:bytes.IndexByte(line, '\n')]
			if !bytes.Contains(line, []byte(envName(f))) {
				t.Errorf("%s: the row of --%s does not name %s", heading, f, envName(f))
			}
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := write(t, dir, "wait.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`)
	// WAIT_TIME_SCALE (Step Functions Local's) makes the 100 s Wait instant;
	// the command line wins over the environment.
	code, _, errOut := stepdEnv(t, map[string]string{"WAIT_TIME_SCALE": "0.0001", "STEPD_JSON": "true"}, "run", def)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ := stepdEnv(t, map[string]string{"STEPD_TIME_SCALE": "0.0001", "STEPD_JSON": "true"}, "run", "--json=false", def)
	if code != 0 || strings.Contains(out, `"status"`) {
		t.Fatalf("--json=false over STEPD_JSON: exit %d, %q", code, out)
	}
	// A value the flag refuses names the variable.
	code, _, errOut = stepdEnv(t, map[string]string{"STEPD_TIME_SCALE": "fast"}, "run", def)
	if code != 2 || !strings.Contains(errOut, "STEPD_TIME_SCALE") {
		t.Fatalf("bad STEPD_TIME_SCALE: exit %d, %q", code, errOut)
	}
	// A bad flag's usage goes to standard error.
	code, out, errOut = stepdEnv(t, nil, "lint", "--bogus")
	if code != 2 || out != "" || !strings.Contains(errOut, "Usage: stepd lint") {
		t.Fatalf("bad flag: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := stepdEnv(t, nil, args...)
		if code != 0 || !strings.HasPrefix(out, "stepd dev (commit none") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	code, out, _ := stepdEnv(t, nil, "version", "--json")
	if code != 0 || !strings.Contains(out, `"commit":"none"`) {
		t.Errorf("version --json: exit %d, %q", code, out)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := write(t, dir, "good.yaml", "functions:\n  f:\n    command: [echo, '{}']\nhttp:\n  timeout: 10s\n")
	if code, out, errOut := stepdEnv(t, nil, "config", "check", good); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("good: exit %d, %q %q", code, out, errOut)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"unknown field":   {"functions:\n  f:\n    comand: [x]\n", "functions.f: unknown field \"comand\""},
		"bad duration":    {"http:\n  timeout: abc\n", "http.timeout"},
		"unknown service": {"services:\n  ec2: {endpoint: http://x}\n", `no integration with "ec2"`},
		"wrong type":      {"http:\n  allowed_hosts: yes-please\n", "http.allowed_hosts"},
	} {
		p := write(t, dir, strings.ReplaceAll(name, " ", "-")+".yaml", tc.text)
		code, _, errOut := stepdEnv(t, nil, "config", "check", p)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want %q", name, code, errOut, tc.want)
		}
	}
}
