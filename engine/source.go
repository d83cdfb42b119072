package engine

import (
	"time"

	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"

	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/runner"
)

// CryptoSource is the engine's source of task tokens, UUIDs and random numbers,
// drawn from crypto/rand. Task tokens carry 384 bits of randomness, so they
// cannot be guessed. They begin with the time they were made, in a form that
// sorts (as UUIDv7 does): the store's indexes over tokens then take new
// tasks near their end rather than at random places, which was a page more
// written in nearly every commit of the activity path for each such index.
type CryptoSource struct{}

var _ interp.Source = CryptoSource{}

// TaskToken returns a new task token.
func (CryptoSource) TaskToken() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(time.Now().UnixMicro(), 36) + "-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// UUID returns a random (version 4) UUID.
func (CryptoSource) UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return runner.UUID(b)
}

// Float64 returns a number in [0, 1).
func (CryptoSource) Float64() float64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return float64(binary.LittleEndian.Uint64(b[:])>>11) / (1 << 53)
}

// RandomInt returns an integer in [lo, hi), without modulo bias.
func (CryptoSource) RandomInt(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	span := uint64(hi) - uint64(lo)
	limit := math.MaxUint64 - math.MaxUint64%span
	for {
		var b [8]byte
		_, _ = rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]); v < limit {
			return int64(uint64(lo) + v%span)
		}
	}
}

// stepSource is the Source of one step: the engine's, and a deadline after
// which the step yields (interp.Yielder), so that no step holds its shard
// long. A shard owns one and sets its deadline before each step.
type stepSource struct {
	interp.Source
	deadline time.Time
	// activities, when set, tells whether an activity exists
	// (interp.ActivityChecker).
	activities func(executionARN, activityARN string) bool
}

// ActivityExists implements interp.ActivityChecker.
func (s *stepSource) ActivityExists(executionARN, activityARN string) bool {
	return s.activities == nil || s.activities(executionARN, activityARN)
}

func (s *stepSource) Yield() bool { return time.Now().After(s.deadline) }

// Now is the wall clock the time budget of each evaluation is measured on
// (interp.Clock). Time compressed for waits (stepd run) is not compressed
// here: an evaluation's budget is real time.
func (s *stepSource) Now() time.Time { return time.Now() }

var _ interp.Clock = (*stepSource)(nil)

// prefixedTokens is a Source whose task tokens start with a prefix, so that
// a token says which engine made it.
type prefixedTokens struct {
	interp.Source
	prefix string
}

func (p prefixedTokens) TaskToken() string { return p.prefix + p.Source.TaskToken() }
