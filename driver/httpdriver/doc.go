// Package httpdriver is the engine behind every carrierkit HTTP adapter,
// public so that a team can write a driver for its own carrier outside
// this module. URL building with per-segment escaping, form and JSON
// bodies, read-back after a 204, multi-call updates, paging, retries,
// time bounds, error mapping with delivery facts, and scrubbing of
// credentials live here once. A driver supplies only a Dialect: what is
// truly its carrier's.
//
// # Writing a driver
//
// Declare the Dialect once, in a package variable: the provider's name,
// the wire name of each field the carrier accepts (Wire; a field left out
// is refused before sending), the operations it offers (Update is
// required; Fetch, List and Remove are optional and Capabilities reports
// the ones declared), its id rules (Check), its error body (DecodeError)
// and error codes (Codes):
//
//	var dialect = httpdriver.Dialect{
//		Provider: "acme",
//		Wire:     map[participant.Field]string{participant.FieldMuted: "muted"},
//		Update: &httpdriver.Operation{Method: http.MethodPost, Body: httpdriver.FormBody,
//			Path:   httpdriver.MustPath("/v1/accounts/{account}/conferences/{conference}/members/{call}"),
//			Decode: decodeMember},
//		Check: func(account string, ref participant.Ref, req participant.UpdateRequest) (field, rule string) {
//			if !strings.HasPrefix(ref.Call, "m-") {
//				return "Ref.Call", "must start with m-"
//			}
//			return "", ""
//		},
//		DecodeError: decodeError,
//		Codes:       map[string]participant.Code{"no_such_member": participant.CodeNotFound},
//	}
//
// Then check the settings (CheckSecret, CheckBaseURL, CheckOptions: each
// error names the setting and never repeats its value) and wrap the
// Driver in the portable client:
//
//	func New(cfg Config) (*carrierkit.Client, error) {
//		if err := httpdriver.CheckSecret("acme", "APIKey", cfg.APIKey); err != nil {
//			return nil, err
//		}
//		...
//		return carrierkit.New(httpdriver.New(&dialect, httpdriver.Config{
//			BaseURL: cfg.BaseURL, Account: cfg.Account,
//			Authorization: "Bearer " + cfg.APIKey,
//			Secrets: []httpdriver.Secret{{Value: cfg.APIKey}},
//			HTTP: cfg.Options,
//		})), nil
//	}
//
// An action-verb carrier, whose mute, hold and announcement are separate
// calls, declares Dialect.Plan instead of Update (Verbs is the plan of the
// usual mute, deafen and play verbs); the engine runs the steps in a safe
// order and reports on a failure what was applied (see Step).
//
// # Who checks what
//
// carrierkit.Client validates every request before it reaches the Driver:
// the neutral rules (participant.Validate), the fields and operations
// Capabilities leave out, the neutral id rules and the list options. The
// Driver does not check them again. It owns what only it knows: the
// default account of a ref that leaves Ref.Account empty, the dialect's
// Check, and how far a failed request got (participant.Error.Delivery,
// Applied, Attempts). A Driver called without carrierkit.Client (a router
// composing drivers) must be given requests already validated.
//
// Conformance is decided by capabilities: package conformance runs its
// cases against any participant.Updater, a *carrierkit.Client included,
// so a driver built here is checked against a fake of its carrier with
// the suite carrierkit's own adapters pass.
//
// # As
//
// Driver.As, reached through carrierkit.Client.As, supports **http.Client
// (the client requests go through) and **Driver (for BaseURL).
package httpdriver
