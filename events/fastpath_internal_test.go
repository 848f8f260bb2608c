package events

import (
	"hash/maphash"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// twilioParam finds every name of twilioNames at its index.
func TestTwilioParamCoversNames(t *testing.T) {
	for i, n := range twilioNames {
		if got := twilioParam([]byte(n)); got != i {
			t.Errorf("twilioParam(%q) = %d, want %d", n, got, i)
		}
	}
	if twilioParam([]byte("Nope")) != -1 {
		t.Error("an unknown name was found")
	}
}

// Two keys that share a hash are told apart: the newer replaces the older,
// neither is taken for the other.
func TestDedupHashCollision(t *testing.T) {
	d := &dedup{window: time.Minute, capacity: 10}
	a := dedupKey{carrier: "twilio", conference: "a", seq: 1, hasSeq: true}
	b := dedupKey{carrier: "twilio", conference: "b", seq: 1, hasSeq: true}
	now := time.Unix(1, 0)
	var ev Event
	if st, ta := d.begin(a, &ev, now); st != fresh {
		t.Fatal(st)
	} else {
		d.done(ta)
		// Force b onto a's hash.
		hb := maphash.Comparable(d.seed, b)
		i := d.seen[ta.hash]
		delete(d.seen, ta.hash)
		d.seen[hb], d.ring[i].hash = i, hb
		if d.ring[i].state != delivered {
			t.Fatal("a not delivered")
		}
	}
	if st, _ := d.begin(b, &ev, now); st != fresh {
		t.Fatalf("b taken for a: %v", st)
	}
}

// parseTwilioTime's calendar arithmetic agrees with time.Date.
func TestDaysFromCivil(t *testing.T) {
	for y := range 10_000 {
		if y > 10 && y < 1500 || y > 2600 && y < 9990 {
			continue
		}
		for m := 1; m <= 12; m++ {
			last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(m, y); got != last {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", m, y, got, last)
			}
			for _, d := range []int{1, 15, last} {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if got := daysFromCivil(y, m, d); got != want {
					t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
}

// The window's ring wraps and grows (its indexes remapped) without
// forgetting or inventing an event.
func TestDedupRingWrapsAndGrows(t *testing.T) {
	d := &dedup{window: time.Minute, capacity: 1000}
	t0 := time.Unix(1, 0)
	key := func(i int) dedupKey {
		return dedupKey{carrier: "twilio", conference: "CF" + strconv.Itoa(i), seq: uint64(i), hasSeq: true}
	}
	add := func(from, to int, now time.Time) {
		for i := from; i < to; i++ {
			var ev Event
			st, tk := d.begin(key(i), &ev, now)
			if st != fresh {
				t.Fatalf("key %d: %v, want fresh", i, st)
			}
			d.done(tk)
		}
	}
	known := func(from, to int, now time.Time, want dedupState) {
		for i := from; i < to; i++ {
			var ev Event
			if st, _ := d.begin(key(i), &ev, now); st != want {
				t.Fatalf("key %d: %v, want %v", i, st, want)
			}
		}
	}
	add(0, 60, t0)
	late := t0.Add(61 * time.Second) // 0..59 are past the window
	// The head moves past 0..59 and the ring (64 slots) wraps; full with
	// its head at 60, it grows.
	add(60, 130, late)
	if d.head != 0 || len(d.ring) != 128 || d.count != 70 {
		t.Fatalf("head %d, ring %d, count %d", d.head, len(d.ring), d.count)
	}
	known(60, 130, late, delivered)
	add(0, 10, late)
}

// A remembered key is a copy: the strings it was made of (which point
// into the Event's raw payload) are neither needed nor kept.
func TestDedupKeyIsCopied(t *testing.T) {
	d := &dedup{window: time.Minute, capacity: 10}
	buf := []byte("twilioCF1participant.mutedCA1")
	str := func(from, to int) string { return unsafe.String(&buf[from], to-from) }
	k := dedupKey{carrier: str(0, 6), conference: str(6, 9), typ: Type(str(9, 26)), call: str(26, 29), at: 5}
	now := time.Unix(1, 0)
	var ev Event
	if st, _ := d.begin(k, &ev, now); st != fresh {
		t.Fatal(st)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	same := dedupKey{carrier: "twilio", conference: "CF1", typ: ParticipantMuted, call: "CA1", at: 5}
	if st, _ := d.begin(same, &ev, now); st != inFlight {
		t.Fatalf("the remembered key changed with the payload: %v", st)
	}
}
