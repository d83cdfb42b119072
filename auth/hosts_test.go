package auth_test

import (
	"testing"

	"github.com/stepd/stepd/auth"
)

func TestHostsAdmitLoopbackAndAllowedNames(t *testing.T) {
	h, err := auth.NewHosts([]string{"stepd", "api.internal:9000", "10.0.0.5", "[fd00::1]"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"localhost":                  true,
		"localhost:8083":             true,
		"LOCALHOST:8083":             true,
		"localhost.":                 true,
		"console.localhost:8083":     true,
		"sync-localhost:8083":        true,
		"127.0.0.1":                  true,
		"127.0.0.1:8083":             true,
		"127.1.2.3:80":               true,
		"sync-127.0.0.1:8083":        true,
		"[::1]:8083":                 true,
		"[::1]":                      true,
		"stepd":                      true,
		"stepd:8083":                 true,
		"sync-stepd:8083":            true,
		"api.internal:9000":          true,
		"10.0.0.5:8083":              true,
		"[fd00::1]:8083":             true,
		"":                           false,
		"attacker.example":           false,
		"attacker.example:8083":      false,
		"localhost.attacker.example": false,
		"127.0.0.1.nip.io:8083":      false,
		"api.internal:9001":          false,
		"api.internal":               false,
		"stepd.attacker.example":     false,
		"sync-attacker.example":      false,
		"10.0.0.6:8083":              false,
		"0.0.0.0:8083":               false,
		"[::]:8083":                  false,
		"sync-sync-localhost":        false,
	} {
		if got := h.Allows(host); got != want {
			t.Errorf("Allows(%q) = %v, want %v", host, got, want)
		}
	}
	var zero *auth.Hosts
	if !zero.Allows("localhost:1") || zero.Allows("stepd") {
		t.Errorf("a nil Hosts admits loopback names only")
	}
	if _, err := auth.NewHosts([]string{"http://x"}); err == nil {
		t.Errorf("a URL is not a host")
	}
}

func TestHostsStarAdmitsEveryHost(t *testing.T) {
	h, err := auth.NewHosts([]string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"stepfunctions:8083", "sync-stepfunctions:8083", "evil.example", "10.1.2.3"} {
		if !h.Allows(host) {
			t.Errorf("* does not admit %q", host)
		}
	}
}
