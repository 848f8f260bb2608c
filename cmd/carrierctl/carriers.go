package main

// The carriers carrierctl speaks: each import registers a carrier's
// adapter (its URL scheme) and its fake (for emulate and demo). Adding a
// carrier is one line here; the commands, --help, the demo and the
// emulator take it from the registries.
import (
	_ "github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
	_ "github.com/carrierkit/carrierkit/providers/plivo/plivotest"
	_ "github.com/carrierkit/carrierkit/providers/signalwire/signalwiretest"
	_ "github.com/carrierkit/carrierkit/providers/texml/texmltest"
	_ "github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
	_ "github.com/carrierkit/carrierkit/providers/vonage/vonagetest"
)
