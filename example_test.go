package carrierkit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/examples/memdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// A driver (here the in-memory example) wrapped in the portable client.
// Code written against the Client works the same over any carrier's.
func Example() {
	store := memdriver.NewStore(func() time.Time { return time.Unix(0, 0) })
	store.Put(memdriver.Record{Account: "acct", Conference: "standup", CallID: "call-1", Label: "agent"})
	c := memdriver.Open(store, "acct")
	defer c.Close()

	ref := participant.Ref{Conference: "standup", Call: "agent"}
	p, err := c.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.CallID, "muted:", p.Muted)

	// A field the carrier cannot carry, or a rule broken, is refused
	// before anything is sent, naming the field.
	_, err = c.Update(context.Background(), ref, participant.UpdateRequest{HoldURL: participant.String("/relative")})
	var pe *participant.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Field, pe.Code.String(), "sent:", pe.Delivery != participant.DeliveryNotSent)
	}
	// Output:
	// call-1 muted: true
	// HoldURL invalid argument sent: false
}

// An Observer gets one Event per call: metrics for every carrier in one place.
func ExampleWithObserver() {
	store := memdriver.NewStore(nil)
	store.Put(memdriver.Record{Account: "acct", Conference: "standup", CallID: "call-1"})
	counted := carrierkit.New(memdriver.Open(store, "acct"), carrierkit.WithObserver(carrierkit.ObserverFunc(func(e carrierkit.Event) {
		outcome := "ok"
		if e.Err != nil {
			outcome = participant.CodeOf(e.Err).String()
		}
		fmt.Println(e.Op, e.Provider, outcome)
	})))
	ctx := context.Background()
	_, _ = counted.Update(ctx, participant.Ref{Conference: "standup", Call: "call-1"}, participant.UpdateRequest{Hold: participant.Bool(true)})
	_, _ = counted.Fetch(ctx, participant.Ref{Conference: "standup", Call: "gone"})
	// Output:
	// update memory ok
	// fetch memory not found
}
