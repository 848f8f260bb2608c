package events

import (
	"hash/maphash"
	"testing"
	"time"
)

// twilioParam finds every name of twilioNames at its index.
func TestTwilioParamCoversNames(t *testing.T) {
	for i, n := range twilioNames {
		if got := twilioParam(n); got != i {
			t.Errorf("twilioParam(%q) = %d, want %d", n, got, i)
		}
	}
	if twilioParam("Nope") != -1 {
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
	if st, h := d.begin(a, &ev, now); st != fresh {
		t.Fatal(st)
	} else {
		d.done(h)
		// Force b onto a's hash.
		e := d.seen[h]
		delete(d.seen, h)
		d.seen[maphash.Comparable(d.seed, b)] = seenEntry{key: a, expires: e.expires, state: delivered}
	}
	if st, _ := d.begin(b, &ev, now); st != fresh {
		t.Fatalf("b taken for a: %v", st)
	}
}
