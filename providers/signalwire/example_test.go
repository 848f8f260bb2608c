package signalwire_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/signalwire"
	"github.com/carrierkit/carrierkit/providers/signalwire/signalwiretest"
)

// Hold a participant of a SignalWire space, a Twilio-compatible host. The
// fake stands in for https://{space}.signalwire.com/api/laml; in
// production set Space and leave BaseURL empty.
func Example() {
	const project, token = "b3877c40-da60-4998-90ad-b792e98472af", "example-token"
	fake := signalwiretest.New(signalwiretest.Config{ProjectID: project, APIToken: token})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	conference, call := "6f1cc1a2-7d5b-4c1e-9d2a-5a3c0d1e2f01", "6f1cc1a2-7d5b-4c1e-9d2a-5a3c0d1e2f02"
	fake.Seed(signalwiretest.Participant{Account: project, Conference: conference, CallID: call})

	sw, err := signalwire.New(signalwire.Config{ProjectID: project, APIToken: token, BaseURL: srv.URL + signalwiretest.Root})
	if err != nil {
		panic(err)
	}
	defer sw.Close()
	p, err := sw.Update(context.Background(), participant.Ref{Conference: conference, Call: call},
		participant.UpdateRequest{Hold: participant.Bool(true)})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Provider, p.CallID == call, "hold:", p.Hold)
	// Output:
	// signalwire true hold: true
}
