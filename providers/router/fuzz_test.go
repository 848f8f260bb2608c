package router_test

import (
	"errors"
	"testing"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// FuzzRoute: whatever the ref, the router either names the carrier the
// package's rules choose (Ref.Carrier; else the one carrier with the
// account; else the one carrier whose adapter accepts the ids) or refuses
// with an invalid-argument *participant.Error. Nothing is sent.
func FuzzRoute(f *testing.F) {
	const (
		acUS = "AC0123456789abcdef0123456789abcdef"
		acEU = "ACfedcba9876543210fedcba9876543210"
		txAC = "6c1d1f3e-93b2-4c43-b6e5-0f7b1d2c9a10"
		cf   = "CF0123456789abcdef0123456789abcdef"
		conf = "0f4d2a9e-1c3b-4e5f-8a7b-6c5d4e3f2a1b"
	)
	for _, s := range [][4]string{
		{"", "", cf, "CA0123456789abcdef0123456789abcdef"}, {"", acEU, cf, "agent"}, {"tx", "", conf, "v3:x"},
		{"", "", conf, "v3:abc"}, {"nope", "", cf, "x"}, {"", txAC, "conf-1", "x"}, {"", "", "", ""}, {"us", "AC\r\n", cf, "\xff"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	us, err := twilio.New(twilio.Config{AccountSID: acUS, AuthToken: "t"})
	if err != nil {
		f.Fatal(err)
	}
	eu, err := twilio.New(twilio.Config{AccountSID: acEU, AuthToken: "t", Region: "ie1"})
	if err != nil {
		f.Fatal(err)
	}
	tx, err := texml.New(texml.Config{APIKey: "k", Account: txAC})
	if err != nil {
		f.Fatal(err)
	}
	carriers := []router.Carrier{
		{Name: "us", Account: acUS, Endpoints: []router.Endpoint{{Driver: us}}},
		{Name: "eu", Account: acEU, Endpoints: []router.Endpoint{{Driver: eu}}},
		{Name: "tx", Account: txAC, Endpoints: []router.Endpoint{{Driver: tx}}},
	}
	r, err := router.New(router.Options{}, carriers...)
	if err != nil {
		f.Fatal(err)
	}
	checker := map[string]driver.RefChecker{"us": us, "eu": eu, "tx": tx}
	f.Fuzz(func(t *testing.T, carrier, account, conference, call string) {
		ref := participant.Ref{Carrier: carrier, Account: account, Conference: conference, Call: call}
		name, err := r.Route(ref)
		_, named := checker[carrier]
		if err != nil {
			var pe *participant.Error
			if !errors.As(err, &pe) || pe.Code != participant.CodeInvalidArgument {
				t.Fatalf("Route(%+v): %v (%T) is not an invalid-argument *participant.Error", ref, err, err)
			}
			if named {
				t.Fatalf("Route(%+v) refused a configured Ref.Carrier: %v", ref, err)
			}
			return
		}
		var byAccount []string
		for _, c := range carriers {
			if account != "" && c.Account == account {
				byAccount = append(byAccount, c.Name)
			}
		}
		var fits []string
		for n, c := range checker {
			if c.CheckRef(ref) == nil {
				fits = append(fits, n)
			}
		}
		switch {
		case carrier != "":
			if name != carrier {
				t.Fatalf("Route(%+v) = %q, not the named carrier", ref, name)
			}
		case len(byAccount) == 1:
			if name != byAccount[0] {
				t.Fatalf("Route(%+v) = %q, not the account's carrier %q", ref, name, byAccount[0])
			}
		default:
			if len(fits) != 1 || fits[0] != name {
				t.Fatalf("Route(%+v) = %q, but the carriers whose ids fit are %v", ref, name, fits)
			}
		}
	})
}
