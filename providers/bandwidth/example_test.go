package bandwidth_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
	"github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
)

// Mute a conference member and take them off hold: one PUT of JSON, a 204,
// and the member read back. The fake stands in for voice.bandwidth.com; in
// production leave BaseURL empty.
func Example() {
	const account, user, pass = "9900000", "example-user", "example-password"
	fake := bandwidthtest.New(bandwidthtest.Config{AccountID: account, Username: user, Password: pass})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	conference, call := "conf-00000000-0000-0000-0000-000000000001", "c-00000000-0000-0000-0000-000000000002"
	fake.Seed(bandwidthtest.Participant{Account: account, Conference: conference, CallID: call, Hold: true})

	bw, err := bandwidth.New(bandwidth.Config{AccountID: account, Username: user, Password: pass, BaseURL: srv.URL + bandwidthtest.PathPrefix})
	if err != nil {
		panic(err)
	}
	defer bw.Close()
	p, err := bw.Update(context.Background(), participant.Ref{Conference: conference, Call: call},
		participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(false)})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Provider, p.CallID, "muted:", p.Muted, "hold:", p.Hold, "status:", p.Status)
	// Output:
	// bandwidth c-00000000-0000-0000-0000-000000000002 muted: true hold: false status: unknown
}
