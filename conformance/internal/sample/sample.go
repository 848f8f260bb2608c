// Package sample gives every participant field a valid value, shared by
// the conformance suite and the live checks.
package sample

import (
	"fmt"

	"github.com/carrierkit/carrierkit/participant"
)

// Set sets field on req to a valid value and returns its form value;
// coach returns a call id to coach.
func Set(req *participant.UpdateRequest, field participant.Field, b bool, coach func() string) string {
	bs := fmt.Sprint(b)
	switch field {
	case participant.FieldMuted:
		req.Muted = participant.Bool(b)
	case participant.FieldHold:
		req.Hold = participant.Bool(b)
	case participant.FieldBeepOnExit:
		req.BeepOnExit = participant.Bool(b)
	case participant.FieldEndConferenceOnExit:
		req.EndConferenceOnExit = participant.Bool(b)
	case participant.FieldCoaching:
		req.Coaching = participant.Bool(b)
		if b {
			req.CallToCoach = participant.String(coach())
		}
	case participant.FieldHoldURL:
		req.HoldURL = participant.String("https://music.example.com/hold.xml?room=a&b=1")
		return *req.HoldURL
	case participant.FieldAnnounceURL:
		req.AnnounceURL = participant.String("https://music.example.com/announce.mp3")
		return *req.AnnounceURL
	case participant.FieldWaitURL:
		req.WaitURL = participant.String("http://music.example.com/wait.mp3")
		return *req.WaitURL
	case participant.FieldHoldMethod:
		req.HoldMethod = participant.MethodGET
		return "GET"
	case participant.FieldAnnounceMethod:
		req.AnnounceMethod = participant.MethodPOST
		return "POST"
	case participant.FieldWaitMethod:
		req.WaitMethod = participant.MethodGET
		return "GET"
	case participant.FieldCallToCoach:
		req.CallToCoach = participant.String(coach())
		return *req.CallToCoach
	}
	return bs
}
