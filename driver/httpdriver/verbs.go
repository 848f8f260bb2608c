package httpdriver

import "github.com/carrierkit/carrierkit/participant"

// Verbs is the plan of an action-verb carrier with one mute flag, whose
// hold is mute plus deafen (Plivo's Deaf, Vonage's earmuff) and whose
// announcement is one audio call:
//
//	Muted=true / false   mute / unmute
//	Hold=true            mute, then deafen (no mute when Muted=false is asked,
//	                     or when the participant read first is muted already)
//	Hold=false           undeafen, then unmute (the participant stays muted
//	                     when the request sets Muted=true)
//	AnnounceURL          play, last
//
// The fields each call completes follow: Hold is applied by its last call,
// and so is Muted=false sent with Hold=true.
type Verbs struct {
	Mute, Unmute, Deafen, Undeafen, Play *Operation
	// DeafenName, UndeafenName and PlayName name those calls in errors
	// (mute and unmute are "mute" and "unmute").
	DeafenName, UndeafenName, PlayName string
}

// NeedsState reports whether Plan can use the participant's state:
// Hold=true without Muted mutes only a participant not muted yet, so an
// update sent again after a partial failure does not mute twice.
func (v Verbs) NeedsState(req *participant.UpdateRequest) bool {
	return req.Hold != nil && *req.Hold && req.Muted == nil
}

// Plan appends the calls for req to steps (Dialect.Plan).
func (v Verbs) Plan(req *participant.UpdateRequest, current *participant.Participant, steps []Step) []Step {
	M, H := participant.NewFieldSet(participant.FieldMuted), participant.NewFieldSet(participant.FieldHold)
	when := func(ok bool, s participant.FieldSet) participant.FieldSet {
		if ok {
			return s
		}
		return 0
	}
	muted, hold := req.Muted, req.Hold
	holding, unholding := hold != nil && *hold, hold != nil && !*hold
	if unholding { // the unmute that follows completes it, unless Muted=true keeps the participant muted
		steps = append(steps, Step{Name: v.UndeafenName, Op: v.Undeafen, Phase: PhaseSafe, Fields: when(muted != nil && *muted, H)})
	}
	switch {
	case muted != nil && *muted, holding && muted == nil && (current == nil || !current.Muted):
		steps = append(steps, Step{Name: "mute", Op: v.Mute, Phase: PhaseSafe, Fields: when(muted != nil, M)})
	case muted != nil || unholding:
		// Muted=false with Hold=true is "hold without muting": it is applied
		// with the hold, by the deafen. Reported alone, the rest sent again
		// (Hold=true without Muted) would mute.
		steps = append(steps, Step{Name: "unmute", Op: v.Unmute, Phase: PhaseExposing,
			Fields: when(muted != nil && !holding, M) | when(unholding, H)})
	}
	if holding {
		steps = append(steps, Step{Name: v.DeafenName, Op: v.Deafen, Phase: PhaseExposing,
			Fields: H | when(muted != nil && !*muted, M)})
	}
	if req.AnnounceURL != nil {
		steps = append(steps, Step{Name: v.PlayName, Op: v.Play, Phase: PhaseAudio,
			Fields: participant.NewFieldSet(participant.FieldAnnounceURL)})
	}
	return steps
}
