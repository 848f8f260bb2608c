package events_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/webhooksign"
)

// One handler per carrier, each verifying as its carrier signs; the app's
// code sees only neutral events.
func Example() {
	onEvent := func(_ context.Context, ev events.Event) error {
		switch ev.Type {
		case events.ParticipantJoined:
			fmt.Println("joined:", ev.Conference, ev.Call)
		case events.ParticipantMuted:
			fmt.Println("muted:", ev.Call, "sequence", ev.Sequence)
		}
		return nil // an error answers 500, and the carrier sends the event again
	}
	mux := http.NewServeMux()
	mux.Handle("/hooks/twilio", events.NewHandler(&events.Twilio{
		AuthToken: "your-auth-token", // os.Getenv("TWILIO_AUTH_TOKEN")
		URLSource: events.URLSource{PublicURL: "https://hooks.example.com"},
	}, onEvent, events.HandlerOptions{}))
	mux.Handle("/hooks/bandwidth", events.NewHandler(&events.Bandwidth{Username: "cb-user", Password: "cb-pass"},
		onEvent, events.HandlerOptions{}))
	// TeXML: &events.TeXML{PublicKey: key} with key from events.ParsePublicKey.

	// What Twilio posts when a participant is muted.
	form := url.Values{"ConferenceSid": {"CF1"}, "AccountSid": {"AC1"}, "CallSid": {"CA1"}, "SequenceNumber": {"3"},
		"StatusCallbackEvent": {"participant-mute"}, "Muted": {"true"}, "Timestamp": {"Thu, 1 Jun 2017 20:48:32 +0000"}}
	r := httptest.NewRequest("POST", "/hooks/twilio", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", webhooksign.Twilio("your-auth-token", "https://hooks.example.com/hooks/twilio", form))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		log.Fatal(w.Code)
	}
	// Output:
	// muted: CA1 sequence 3
}
