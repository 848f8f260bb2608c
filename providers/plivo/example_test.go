package plivo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/plivo"
	"github.com/carrierkit/carrierkit/providers/plivo/plivotest"
)

// One neutral update is several Plivo calls (mute, then deaf for hold). When
// a later call fails, the error says which fields the earlier ones applied
// and which call failed, so only the rest is sent again.
func Example() {
	authID, token := plivotest.NewAuthID(), "example-token"
	fake := plivotest.New(plivotest.Config{AuthID: authID, AuthToken: token})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	member := plivotest.NewMemberID()
	fake.Seed(plivotest.Participant{Account: authID, Conference: "standup", CallID: member, Status: "connected"})

	c, err := plivo.New(plivo.Config{AuthID: authID, AuthToken: token, BaseURL: srv.URL + "/v1"})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fake.Fail(plivotest.Fault{Delay: time.Nanosecond}) // the mute goes through
	fake.Fail(plivotest.Fault{Status: 400, Times: 1})  // the deaf is refused
	req := participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true)}
	_, err = c.Update(context.Background(), participant.Ref{Conference: "standup", Call: member}, req)

	var pe *participant.Error
	if errors.As(err, &pe) {
		fmt.Println("applied:", pe.Applied, "failed step:", pe.Step, "delivery:", pe.Delivery)
		rest := req.Without(pe.Applied)
		fmt.Println("left to send:", rest.Fields())
	}
	// Output:
	// applied: Muted failed step: deaf delivery: answered
	// left to send: Hold
}
