package main

// The carriers carrierctl speaks: providers/builtin registers every
// built-in adapter (its URL scheme, its spec) with providers.DefaultURLMux,
// and the emulator bundle (internal/emulated) attaches their fakes for
// emulate and demo. The commands, --help, the demo and the emulator take
// the carriers from that one registry; no list of them is kept here.
import (
	_ "github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	_ "github.com/carrierkit/carrierkit/providers/builtin"
)
