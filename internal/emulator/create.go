package emulator

import (
	"net/url"
	"strings"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// subscription keywords (ConferenceStatusCallbackEvent, statusCallbackEvent)
// of the Twilio-family event names.
var keywordOf = map[string]string{
	"conference-start": "start", "conference-end": "end",
	"participant-join": "join", "participant-leave": "leave",
	"participant-mute": "mute", "participant-unmute": "mute",
	"participant-hold": "hold", "participant-unhold": "hold",
	"participant-modify":       "modify",
	"participant-speech-start": "speaker", "participant-speech-stop": "speaker",
	"announcement-end": "announcement", "announcement-fail": "announcement",
}

// subscribed reports whether a conference's subscription takes event: nil
// takes all (SetCallback, --callback); Bandwidth has no subscription.
func (c *conferenceHooks) subscribed(event string) bool {
	if c.Events == nil {
		return true
	}
	k, ok := keywordOf[event]
	if !ok {
		return true
	}
	for _, e := range c.Events {
		if e == k {
			return true
		}
	}
	return false
}

// enableCreate lets the Twilio-family fakes create participants (POST to
// the conference's participant list), and a create with
// ConferenceStatusCallback sets the conference's callback, as Twilio and
// TeXML do: only the first one set is used, with
// ConferenceStatusCallbackMethod and ConferenceStatusCallbackEvent
// (Twilio's default "start end"; TeXML's none).
func (e *Emulator) enableCreate() {
	for _, v := range e.vendors {
		if v.Webhooks == nil || v.Webhooks.bandwidth {
			continue
		}
		v.Server.SetCreate(func(p vendorfake.Participant, form url.Values) *vendorfake.Problem {
			cb := first(form["ConferenceStatusCallback"])
			if cb == "" || e.hasCallback(v.Name, p.Conference) {
				return nil
			}
			subs := []string{}
			for _, s := range form["ConferenceStatusCallbackEvent"] {
				subs = append(subs, strings.Fields(s)...)
			}
			if _, set := form["ConferenceStatusCallbackEvent"]; !set {
				subs = v.Webhooks.defaultEvents
			}
			err := e.SetCallback(Callback{Provider: v.Name, Conference: p.Conference, URL: cb,
				Method: first(form["ConferenceStatusCallbackMethod"]), Events: subs})
			if err != nil {
				return &vendorfake.Problem{Kind: vendorfake.InvalidURL, Field: "ConferenceStatusCallback", Value: cb}
			}
			return nil
		})
	}
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func (e *Emulator) hasCallback(provider, conference string) bool {
	h := e.hooksState()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.confs[confID{provider, conference}] != nil
}
