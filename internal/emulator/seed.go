package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Conference is a conference to add to a vendor's demo account (POST
// /_emulator/conferences): Participants connected participants labelled
// GeneratedLabelPrefix and their position, in a conference of the given
// id (in the vendor's id shape, e.g. CF and 32 hex digits for Twilio), so
// several batches can run side by side on one account.
type Conference struct {
	Provider     string `json:"provider"`
	Conference   string `json:"conference"`
	Participants int    `json:"participants"`
}

var conferenceID = regexp.MustCompile(`^[A-Za-z0-9_:-]{1,100}$`)

// AddConference seeds c on its vendor's demo account.
func (e *Emulator) AddConference(c Conference) error {
	if !conferenceID.MatchString(c.Conference) {
		return fmt.Errorf("conference: want an id of letters, digits, _, - and :, got %q", c.Conference)
	}
	if c.Participants < 0 || c.Participants > 100_000 {
		return fmt.Errorf("participants: want 0 to 100000, got %d", c.Participants)
	}
	for _, v := range e.vendors {
		if v.Name != c.Provider {
			continue
		}
		for i := range c.Participants {
			v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: c.Conference,
				Label: GeneratedLabelPrefix + strconv.Itoa(i+1), StartConferenceOnEnter: true, Status: "connected"})
		}
		return nil
	}
	return fmt.Errorf("provider: the emulator serves no %q", c.Provider)
}

func (e *Emulator) handleConference(w http.ResponseWriter, r *http.Request) {
	var c Conference
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&c)
	if err == nil {
		err = e.AddConference(c)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
