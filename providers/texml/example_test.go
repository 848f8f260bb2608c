package texml_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
)

// Put a participant on hold with music. TeXML has no WaitMethod, so a
// request that sets it is refused before anything is sent.
func Example() {
	const key = "example-key"
	fake := texmltest.New(texmltest.Config{APIKey: key})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	account, conference := "2d5e7f35-5d0c-4a8d-9d55-3c1b1f0e8a11", "6c3b1a34-8e7f-4b0f-a8e3-1d2c3b4a5f60"
	call := "v3:example-call"
	fake.Seed(texmltest.Participant{Account: account, Conference: conference, CallID: call})

	u, err := texml.New(texml.Config{APIKey: key, Account: account, BaseURL: srv.URL + "/v2"})
	if err != nil {
		panic(err)
	}
	ref := participant.Ref{Conference: conference, Call: call}
	p, err := u.Update(context.Background(), ref, participant.UpdateRequest{
		Hold:       participant.Bool(true),
		HoldURL:    participant.String("https://example.com/hold.mp3"),
		HoldMethod: participant.MethodGET,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Provider, p.CallID, "hold:", p.Hold)

	_, err = u.Update(context.Background(), ref, participant.UpdateRequest{WaitMethod: participant.MethodGET})
	fmt.Println(errors.Is(err, participant.ErrUnsupported), len(fake.Requests()))
	fmt.Println(err)
	// Output:
	// texml v3:example-call hold: true
	// true 1
	// carrierkit texml update: unsupported: WaitMethod: not supported by texml
}
