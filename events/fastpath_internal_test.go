package events

import (
	"slices"
	"testing"
)

// Every parameter mapTwilioFamily reads, for every event type, is in
// twilioNames, which the Handler's form path looks names up in.
func TestTwilioNamesCoverMapping(t *testing.T) {
	for name := range twilioTypes {
		get := func(n string) string {
			if !slices.Contains(twilioNames[:], n) {
				t.Errorf("%s: mapTwilioFamily reads %s, not in twilioNames", name, n)
			}
			switch n {
			case "StatusCallbackEvent":
				return name
			case "ConferenceSid", "CallSid":
				return "x"
			case "Timestamp":
				return "2024-01-15T10:30:00Z"
			case "SequenceNumber":
				return "1"
			case "Muted", "Hold", "Coaching", "EndConferenceOnExit", "StartConferenceOnEnter":
				return "true"
			}
			return "v"
		}
		if _, err := mapTwilioFamily(CarrierTwilio, ProviderTwilio, twilioTypes, get, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
