// Package builtin registers every provider built into carrierkit with
// providers.DefaultURLMux: import it for its side effect, as applications
// and carrierctl do, to open any built-in scheme.
//
//	import _ "github.com/carrierkit/carrierkit/providers/builtin"
//
// Adding a provider is one import line here.
package builtin

import (
	_ "github.com/carrierkit/carrierkit/providers/bandwidth"
	_ "github.com/carrierkit/carrierkit/providers/plivo"
	_ "github.com/carrierkit/carrierkit/providers/signalwire"
	_ "github.com/carrierkit/carrierkit/providers/texml"
	_ "github.com/carrierkit/carrierkit/providers/twilio"
	_ "github.com/carrierkit/carrierkit/providers/vonage"
)
