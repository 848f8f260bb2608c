// Package twiliogo checks that carrierkit's emulator is faithful enough for
// Twilio's own Go SDK, twilio-go, to work against it unchanged but for the
// base URL. It is a separate module so that twilio-go never becomes a
// dependency of carrierkit; run its test with
//
//	cd compat/twiliogo && go test ./...
package twiliogo
