// Package memdriver is an example carrierkit driver, written the way a team
// outside this module would write one for its own carrier: it implements
// the public driver interfaces over an in-memory store, is wrapped in the
// portable carrierkit.Client, and passes conformance.Run for what it
// declares. It imports nothing from carrierkit's internal packages.
//
// The Client does the checks every carrier shares (the neutral rules, the
// capabilities, the ids), so the driver only looks participants up, applies
// the fields and reports what it did.
package memdriver

import (
	"context"
	"encoding/json"
	"iter"
	"sync"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Provider is the driver's provider name.
const Provider = "memory"

// Record is one stored participant.
type Record struct {
	Account, Conference, CallID, Label                     string
	Muted, Hold, Coaching, EndConferenceOnExit, BeepOnExit bool
	HoldURL, AnnounceURL, WaitURL, CallToCoach             string
	HoldMethod, AnnounceMethod, WaitMethod                 participant.Method
	Status                                                 participant.Status
	Created, Updated                                       time.Time
}

// Store holds the participants of every account, in the order they were
// put, and counts the operations that reached it. It is safe for
// concurrent use.
type Store struct {
	mu    sync.Mutex
	recs  []*Record
	confs map[[2]string]bool // account and conference of everyone ever put
	ops   []participant.Op
	now   func() time.Time
}

// NewStore returns an empty store; now is its clock (nil: time.Now).
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now}
}

// Put stores r, replacing the participant with the same account,
// conference and call id.
func (s *Store) Put(r Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.confs == nil {
		s.confs = make(map[[2]string]bool)
	}
	s.confs[[2]string{r.Account, r.Conference}] = true
	for i, old := range s.recs {
		if old.Account == r.Account && old.Conference == r.Conference && old.CallID == r.CallID {
			s.recs[i] = &r
			return
		}
	}
	s.recs = append(s.recs, &r)
}

// Get returns the participant call (a call id or a label) of conference.
func (s *Store) Get(account, conference, call string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.find(account, conference, call); r != nil {
		return *r, true
	}
	return Record{}, false
}

// Ops returns the operations that reached the store, one per update,
// fetch and remove, and one per page of a listing.
func (s *Store) Ops() []participant.Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]participant.Op(nil), s.ops...)
}

// ResetOps forgets the operations counted so far.
func (s *Store) ResetOps() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops = nil
}

func (s *Store) find(account, conference, call string) *Record {
	for _, r := range s.recs {
		if r.Account == account && r.Conference == conference && (r.CallID == call || r.Label != "" && r.Label == call) {
			return r
		}
	}
	return nil
}

// Driver serves one account of a Store.
type Driver struct {
	store   *Store
	account string
	caps    participant.Capabilities
}

var (
	_ driver.Driver  = (*Driver)(nil)
	_ driver.Fetcher = (*Driver)(nil)
	_ driver.Lister  = (*Driver)(nil)
	_ driver.Remover = (*Driver)(nil)
)

// Open returns the portable client over a driver for account in store.
func Open(store *Store, account string) *carrierkit.Client {
	return carrierkit.New(&Driver{store: store, account: account, caps: participant.Capabilities{
		Provider: Provider,
		Fields:   participant.NewFieldSet(participant.AllFields()...),
		Ops:      participant.NewOpSet(participant.OpFetch, participant.OpList, participant.OpRemove),
		Labels:   true,
		Readable: participant.NewFieldSet(participant.FieldMuted, participant.FieldHold, participant.FieldCoaching,
			participant.FieldCallToCoach, participant.FieldEndConferenceOnExit),
	}})
}

// Capabilities reports every field and operation.
func (d *Driver) Capabilities() participant.Capabilities { return d.caps }

// Update applies the fields req sets; nil ones are left as they are.
func (d *Driver) Update(_ context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	d.store.mu.Lock()
	defer d.store.mu.Unlock()
	r, err := d.lookup(participant.OpUpdate, ref)
	if err != nil {
		return nil, err
	}
	setBool(&r.Muted, req.Muted)
	setBool(&r.Hold, req.Hold)
	setBool(&r.BeepOnExit, req.BeepOnExit)
	setBool(&r.EndConferenceOnExit, req.EndConferenceOnExit)
	setBool(&r.Coaching, req.Coaching)
	setString(&r.HoldURL, req.HoldURL)
	setString(&r.AnnounceURL, req.AnnounceURL)
	setString(&r.WaitURL, req.WaitURL)
	setString(&r.CallToCoach, req.CallToCoach)
	for _, m := range [...]struct {
		to   *participant.Method
		from participant.Method
	}{{&r.HoldMethod, req.HoldMethod}, {&r.AnnounceMethod, req.AnnounceMethod}, {&r.WaitMethod, req.WaitMethod}} {
		if m.from != participant.MethodDefault {
			*m.to = m.from
		}
	}
	r.Updated = d.store.now()
	return view(r), nil
}

// Fetch returns the participant.
func (d *Driver) Fetch(_ context.Context, ref participant.Ref) (*participant.Participant, error) {
	d.store.mu.Lock()
	defer d.store.mu.Unlock()
	r, err := d.lookup(participant.OpFetch, ref)
	if err != nil {
		return nil, err
	}
	return view(r), nil
}

// Remove takes the participant out of the store.
func (d *Driver) Remove(_ context.Context, ref participant.Ref) error {
	d.store.mu.Lock()
	defer d.store.mu.Unlock()
	r, err := d.lookup(participant.OpRemove, ref)
	if err != nil {
		return err
	}
	for i, x := range d.store.recs {
		if x == r {
			d.store.recs = append(d.store.recs[:i], d.store.recs[i+1:]...)
			break
		}
	}
	return nil
}

// DefaultPageSize is the page size of a List that asks for none.
const DefaultPageSize = 50

// List yields the conference's participants in the order they were put,
// one page of opts.PageSize at a time, keeping those that match the
// filters. A page is read only when the caller asks for it.
func (d *Driver) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	size := opts.PageSize
	if size == 0 {
		size = DefaultPageSize
	}
	return func(yield func(*participant.Participant, error) bool) {
		for start := 0; ; start += size {
			if err := ctx.Err(); err != nil {
				yield(nil, &participant.Error{Code: participant.CodeOf(err), Op: participant.OpList,
					Delivery: participant.DeliveryNotSent, Err: err})
				return
			}
			page, more, known := d.page(conf, start, size)
			if !known {
				yield(nil, notFound(participant.OpList))
				return
			}
			for _, p := range page {
				if matches(p, opts) && !yield(p, nil) {
					return
				}
			}
			if !more {
				return
			}
		}
	}
}

// page returns the conference's participants start to start+size, whether
// more follow, and whether the conference is known (someone was ever put
// in it: a conference everyone left is empty, not unknown).
func (d *Driver) page(conf participant.ConferenceRef, start, size int) (page []*participant.Participant, more, known bool) {
	d.store.mu.Lock()
	defer d.store.mu.Unlock()
	d.store.ops = append(d.store.ops, participant.OpList)
	account := d.accountOf(conf.Account)
	n := 0
	for _, r := range d.store.recs {
		if r.Account != account || r.Conference != conf.Conference {
			continue
		}
		if n >= start && n < start+size {
			page = append(page, view(r))
		}
		n++
	}
	return page, n > start+size, d.store.confs[[2]string{account, conf.Conference}]
}

// lookup counts op and finds ref's participant; the store is locked.
func (d *Driver) lookup(op participant.Op, ref participant.Ref) (*Record, error) {
	d.store.ops = append(d.store.ops, op)
	if r := d.store.find(d.accountOf(ref.Account), ref.Conference, ref.Call); r != nil {
		return r, nil
	}
	return nil, notFound(op)
}

func (d *Driver) accountOf(a string) string {
	if a == "" {
		return d.account
	}
	return a
}

func matches(p *participant.Participant, o participant.ListOptions) bool {
	for _, f := range [...]struct {
		want *bool
		got  bool
	}{{o.Muted, p.Muted}, {o.Hold, p.Hold}, {o.Coaching, p.Coaching}} {
		if f.want != nil && *f.want != f.got {
			return false
		}
	}
	return true
}

func notFound(op participant.Op) error {
	return &participant.Error{Code: participant.CodeNotFound, Op: op, Message: "no such participant",
		Delivery: participant.DeliveryAnswered}
}

func setBool(to *bool, from *bool) {
	if from != nil {
		*to = *from
	}
}

func setString(to *string, from *string) {
	if from != nil {
		*to = *from
	}
}

// view is the neutral participant of r, with r as JSON in Raw.
func view(r *Record) *participant.Participant {
	raw, _ := json.Marshal(map[string]any{"call_id": r.CallID, "label": r.Label, "muted": r.Muted, "hold": r.Hold,
		"coaching": r.Coaching, "status": r.Status, "created": r.Created, "updated": r.Updated})
	return &participant.Participant{Provider: Provider, AccountID: r.Account, ConferenceID: r.Conference,
		CallID: r.CallID, Label: r.Label, Muted: r.Muted, Hold: r.Hold, Coaching: r.Coaching,
		EndConferenceOnExit: r.EndConferenceOnExit, CallToCoach: r.CallToCoach, Status: r.Status,
		Created: r.Created, Updated: r.Updated, Raw: raw}
}
