package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// Mute a participant, then take them off hold with the music turned off.
// The fake stands in for api.twilio.com; in production leave BaseURL empty.
func Example() {
	const account, token = "AC00000000000000000000000000000001", "example-token"
	fake := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: token})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	conference, call := "CF00000000000000000000000000000002", "CA00000000000000000000000000000003"
	fake.Seed(twiliotest.Participant{Account: account, Conference: conference, CallID: call, Label: "agent-7"})

	var u participant.Updater
	u, err := twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: srv.URL})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p, err := u.Update(ctx, participant.Ref{Conference: conference, Call: "agent-7"}, participant.UpdateRequest{
		Muted: participant.Bool(true),
		Hold:  participant.Bool(false),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Provider, p.CallID, "muted:", p.Muted, "hold:", p.Hold, "status:", p.Status)

	_, err = u.Update(ctx, participant.Ref{Conference: conference, Call: "CA00000000000000000000000000000009"},
		participant.UpdateRequest{Muted: participant.Bool(false)})
	var apiErr *twilio.APIError
	fmt.Println(errors.Is(err, participant.ErrNotFound), errors.As(err, &apiErr) && apiErr.Code == 20404)
	// Output:
	// twilio CA00000000000000000000000000000003 muted: true hold: false status: connected
	// true true
}
