package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/engine"
)

// Task tokens sort in the order they were made, and still carry 48 random
// bytes (64 characters of base64url) after their time.
func TestTaskTokensSortByTime(t *testing.T) {
	t.Parallel()
	var src engine.CryptoSource
	prev := src.TaskToken()
	for range 3 {
		time.Sleep(2 * time.Microsecond)
		tok := src.TaskToken()
		if tok <= prev {
			t.Errorf("%q made after %q sorts before it", tok, prev)
		}
		_, random, ok := strings.Cut(tok, "-")
		if !ok || len(random) != 64 || strings.Contains(tok, "=") {
			t.Errorf("token %q", tok)
		}
		prev = tok
	}
}
