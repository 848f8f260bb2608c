// Package builtin registers every adapter carrierkit ships with
// providers.DefaultURLMux, for programs that open any of them by URL or
// from a config file (carrierctl does):
//
//	import _ "github.com/carrierkit/carrierkit/providers/builtin"
//
// It is the registry of built-ins: one import per adapter, and adding a
// carrier adds its line here. It links no fake and no test code.
package builtin

import (
	_ "github.com/carrierkit/carrierkit/providers/bandwidth"
	_ "github.com/carrierkit/carrierkit/providers/plivo"
	_ "github.com/carrierkit/carrierkit/providers/signalwire"
	_ "github.com/carrierkit/carrierkit/providers/texml"
	_ "github.com/carrierkit/carrierkit/providers/twilio"
	_ "github.com/carrierkit/carrierkit/providers/vonage"
)
