// Package twilioapi holds the error body of Twilio's REST API, which the
// Twilio-compatible hosts (SignalWire) answer with too: twilio.APIError and
// signalwire.APIError are this type. It is a package of its own so that
// carrierkit's shared Twilio-family code, which is internal, can build the
// public type. It imports only the standard library.
package twilioapi

import (
	"cmp"
	"strconv"
)

// Error is Twilio's error body. errors.As reaches it from the
// *participant.Error an update returns.
type Error struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
	// Provider is the adapter that received the error ("twilio",
	// "signalwire"): the body has the same shape on every such host.
	Provider string `json:"-"`
}

// Error returns the provider, the carrier's code and its message.
func (e *Error) Error() string {
	return cmp.Or(e.Provider, "twilio") + " error " + strconv.Itoa(e.Code) + ": " + e.Message
}
