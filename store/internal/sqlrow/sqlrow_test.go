package sqlrow

import (
	"errors"
	"testing"
	"time"

	"github.com/stepd/stepd/store"
)

func TestMillis(t *testing.T) {
	t.Parallel()
	if Millis(time.Time{}) != 0 || !Time(0).IsZero() {
		t.Errorf("the zero time is not 0: %d, %v", Millis(time.Time{}), Time(0))
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 678_900_000, time.FixedZone("x", 3600))
	if got, want := Time(Millis(at)), at.Truncate(time.Millisecond).UTC(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time(Millis(%v)) = %v, want %v", at, got, want)
	}
}

type noRow struct{ err error }

func (r noRow) Scan(...any) error { return r.err }

func TestReaderNoRows(t *testing.T) {
	t.Parallel()
	driverNoRows := errors.New("driver: no rows")
	r := Reader{NoRows: driverNoRows}
	if _, err := r.Task(noRow{driverNoRows}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no row: %v, want store.ErrNotFound", err)
	}
	other := errors.New("connection reset")
	if _, err := r.Machine(noRow{other}); err != other {
		t.Errorf("another error: %v, want it unchanged", err)
	}
}
