package participant_test

import (
	"errors"
	"fmt"

	"github.com/carrierkit/carrierkit/participant"
)

// Tri-state fields: nil leaves a value as it is, false is sent as false.
// Validate is what every adapter runs before sending anything.
func ExampleValidate() {
	caps := participant.Capabilities{Provider: "texml",
		Fields: participant.NewFieldSet(participant.FieldMuted, participant.FieldHold, participant.FieldCoaching,
			participant.FieldCallToCoach)}

	ok := participant.UpdateRequest{Muted: participant.Bool(false)} // unmute; Hold stays as it is
	fmt.Println(participant.Validate(&ok, caps), ok.Fields())

	for _, req := range []participant.UpdateRequest{
		{},
		{Coaching: participant.Bool(true)},
		{WaitMethod: participant.MethodPOST},
	} {
		err := participant.Validate(&req, caps)
		fmt.Println(errors.Is(err, participant.ErrInvalidArgument), errors.Is(err, participant.ErrUnsupported), err)
	}
	// Output:
	// <nil> Muted
	// true false carrierkit texml update: invalid argument: nothing to update: set at least one field
	// true false carrierkit texml update: invalid argument: Coaching: true needs CallToCoach
	// false true carrierkit texml update: unsupported: WaitMethod: not supported by texml
}
