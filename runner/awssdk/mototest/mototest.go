// Package mototest starts moto's server (moto_server, a Python emulator of AWS
// services) on a free loopback port for tests that need a real AWS-compatible
// endpoint. When moto_server is not installed the test is skipped with the
// reason printed, unless STEPD_REQUIRE_MOTO is set (as CI sets it), in which
// case it fails: coverage is never lost silently where it is expected.
package mototest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

var (
	once     sync.Once
	endpoint string
	startErr error
)

// Endpoint returns the URL of a moto server shared by the tests of the
// package (started on first use, stopped when the test binary exits), or skips
// or fails t as the package documentation says.
func Endpoint(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("STEPD_REQUIRE_MOTO") != "" {
			t.Fatalf("moto_server is not installed, and STEPD_REQUIRE_MOTO is set")
		}
		t.Skip("moto_server is not installed: skipping the tests against moto's AWS emulator (set STEPD_REQUIRE_MOTO to make this a failure)")
	}
	once.Do(func() { endpoint, startErr = start(path) })
	if startErr != nil {
		t.Fatalf("start moto_server: %v", startErr)
	}
	return endpoint
}

func start(path string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// The server dies with the test binary (on Linux).
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return "", fmt.Errorf("moto_server exited: %v", err)
		default:
		}
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url, nil
		}
		time.Sleep(100 * time.Millisecond) // polling the port: the server gives no other signal
	}
	_ = cmd.Process.Kill()
	return "", fmt.Errorf("moto_server did not answer on %s within a minute", url)
}
