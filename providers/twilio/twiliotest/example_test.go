package twiliotest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// A test serves the fake, seeds a participant, injects a fault and reads
// what the fake received, with public types only: the fake is a
// *fake.Server, its records and faults come from conformance/record and
// conformance/fault.
func ExampleNew() {
	account, token := twiliotest.NewAccountSID(), "token"
	srv := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: token})
	hts := httptest.NewServer(srv)
	defer hts.Close()

	p := twiliotest.Participant{Account: account, Conference: twiliotest.NewConferenceSID(), Label: "agent"}
	srv.Seed(p)
	f, err := fault.Parse("twilio:503") // as carrierctl emulate --fault takes it
	if err != nil {
		panic(err)
	}
	srv.Fail(f)

	path := twiliotest.PathPrefix + "/Accounts/" + account + "/Conferences/" + p.Conference + "/Participants/agent.json"
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, hts.URL+path, nil)
		req.SetBasicAuth(account, token)
		resp, err := hts.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Status)
	}
	// Output:
	// 503
	// 200
	// GET 503
	// GET 200
}
