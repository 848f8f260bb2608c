package batch_test

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/participant"
)

// room is a conference held in memory: a driver (package driver) that can
// update and list.
type room struct {
	mu    sync.Mutex
	parts []participant.Participant
}

func (r *room) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "room", Labels: true, Fields: participant.NewFieldSet(participant.FieldMuted),
		Readable: participant.NewFieldSet(participant.FieldMuted), Ops: participant.NewOpSet(participant.OpList)}
}

func (r *room) Update(_ context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.parts {
		if r.parts[i].CallID == ref.Call {
			r.parts[i].Muted = *req.Muted
			p := r.parts[i]
			return &p, nil
		}
	}
	return nil, &participant.Error{Code: participant.CodeNotFound, Delivery: participant.DeliveryAnswered}
}

func (r *room) List(context.Context, participant.ConferenceRef, participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		r.mu.Lock()
		parts := append([]participant.Participant(nil), r.parts...)
		r.mu.Unlock()
		for i := range parts {
			if !yield(&parts[i], nil) {
				return
			}
		}
	}
}

// Mute everyone but the moderator, through the portable client (an
// adapter's, a router's, or one over any driver).
func ExampleUpdateAll() {
	c := carrierkit.New(&room{parts: []participant.Participant{
		{CallID: "CA1", Label: "moderator"}, {CallID: "CA2", Label: "guest"}, {CallID: "CA3", Label: "guest2"}}})
	results, err := batch.UpdateAll(context.Background(), c, participant.ConferenceRef{Conference: "CF1"},
		participant.UpdateRequest{Muted: participant.Bool(true)},
		batch.Options{Except: []string{"moderator"}, Filter: batch.NotMuted(), Concurrency: 1})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Call, r.Label, r.Participant.Muted, r.Err)
	}
	// Output:
	// CA2 guest true <nil>
	// CA3 guest2 true <nil>
}
