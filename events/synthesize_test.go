package events_test

import (
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/participant"
)

func TestSynthesizeIsMarked(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	ref := participant.Ref{Conference: "conf-1", Call: "c-1"}
	evs := events.Synthesize(events.ProviderBandwidth, ref, participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(false)}, at)
	if len(evs) != 2 || evs[0].Type != events.ParticipantMuted || evs[1].Type != events.ParticipantUnheld {
		t.Fatalf("got %+v", evs)
	}
	for _, ev := range evs {
		if !ev.Synthesized || ev.HasSequence || ev.Carrier != events.CarrierBandwidth || ev.Call != "c-1" || !ev.Time.Equal(at) ||
			ev.State.Coaching != nil || *ev.State.Muted != true {
			t.Errorf("%+v", ev)
		}
	}
	if evs := events.Synthesize(events.ProviderTeXML, ref, participant.UpdateRequest{AnnounceURL: participant.String("https://x")}, at); len(evs) != 0 {
		t.Fatalf("an announcement's end is not known: %+v", evs)
	}
	if evs := events.Synthesize(events.ProviderTeXML, ref, participant.UpdateRequest{BeepOnExit: participant.Bool(true)}, at); len(evs) != 1 ||
		evs[0].Type != events.ParticipantModified || evs[0].Carrier != events.CarrierTelnyx {
		t.Fatalf("got %+v", evs)
	}
}
