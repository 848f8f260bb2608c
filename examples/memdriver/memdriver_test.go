package memdriver_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/examples/memdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// TestConformance runs carrierkit's conformance suite against the
// in-memory driver, wrapped in the portable client. The contract states no
// wire, so the suite checks behaviour: stored state, answers, refusals.
func TestConformance(t *testing.T) { conformance.Run(t, harness{}) }

type harness struct{}

const account = "acct-1"

var ids atomic.Int64

func next(prefix string) string { return prefix + strconv.FormatInt(ids.Add(1), 10) }

func (harness) Contract() conformance.Contract {
	return conformance.Contract{
		Provider:         memdriver.Provider,
		NoWire:           true,
		Fields:           participant.NewFieldSet(participant.AllFields()...),
		MutedKey:         "muted",
		CompletedStatus:  string(participant.StatusCompleted),
		ValidCallToCoach: func() string { return next("call-") },
		VendorError:      func(error) bool { return false },
	}
}

func (harness) MakeEnv(t *testing.T) *conformance.Env {
	store := memdriver.NewStore(nil)
	return &conformance.Env{
		Backend: backend{t: t, s: store},
		Account: account,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: account, Conference: next("conf-"), CallID: next("call-"), Status: "connected"}
		},
		NewUpdater: func(driver.Options) (participant.Updater, error) { return memdriver.Open(store, account), nil },
		Secrets:    []string{"not-a-secret-the-driver-has-none"},
	}
}

// backend shows the store to the suite as its Backend.
type backend struct {
	t *testing.T
	s *memdriver.Store
}

func (b backend) Seed(p conformance.Participant) {
	now := time.Now()
	b.s.Put(memdriver.Record{Account: p.Account, Conference: p.Conference, CallID: p.CallID, Label: p.Label,
		Muted: p.Muted, Hold: p.Hold, Coaching: p.Coaching, EndConferenceOnExit: p.EndConferenceOnExit,
		BeepOnExit: p.BeepOnExit, HoldURL: p.HoldURL, AnnounceURL: p.AnnounceURL, WaitURL: p.WaitURL,
		HoldMethod: participant.Method(p.HoldMethod), AnnounceMethod: participant.Method(p.AnnounceMethod),
		WaitMethod: participant.Method(p.WaitMethod), CallToCoach: p.CallToCoach, Status: participant.Status(p.Status),
		Created: now, Updated: now})
}

func (b backend) Participant(account, conference, call string) (conformance.Participant, bool) {
	r, ok := b.s.Get(account, conference, call)
	return conformance.Participant{Account: r.Account, Conference: r.Conference, CallID: r.CallID, Label: r.Label,
		Muted: r.Muted, Hold: r.Hold, Coaching: r.Coaching, EndConferenceOnExit: r.EndConferenceOnExit,
		BeepOnExit: r.BeepOnExit, HoldURL: r.HoldURL, AnnounceURL: r.AnnounceURL, WaitURL: r.WaitURL,
		HoldMethod: string(r.HoldMethod), AnnounceMethod: string(r.AnnounceMethod), WaitMethod: string(r.WaitMethod),
		CallToCoach: r.CallToCoach, Status: string(r.Status), Created: r.Created, Updated: r.Updated}, ok
}

// Requests are the operations that reached the store, as the suite counts
// them for a contract without a wire.
func (b backend) Requests() []conformance.Request {
	var rs []conformance.Request
	for _, op := range b.s.Ops() {
		rs = append(rs, conformance.Request{Method: string(op)})
	}
	return rs
}

func (b backend) ResetRequests() { b.s.ResetOps() }

// Fail is for faults on a wire; the suite skips those cases for this driver.
func (b backend) Fail(conformance.Fault) {
	b.t.Fatal("the in-memory driver has no wire to inject a fault into")
}
