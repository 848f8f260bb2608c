package participant

import (
	"strconv"
	"strings"
)

// Field names one field of UpdateRequest. Errors and capability checks use
// it to say which field a rule or a carrier refused.
type Field uint8

// The fields of UpdateRequest, in the order adapters send them.
const (
	FieldMuted Field = iota
	FieldHold
	FieldHoldURL
	FieldHoldMethod
	FieldAnnounceURL
	FieldAnnounceMethod
	FieldWaitURL
	FieldWaitMethod
	FieldBeepOnExit
	FieldEndConferenceOnExit
	FieldCoaching
	FieldCallToCoach
	numFields
)

var fieldNames = [numFields]string{
	"Muted", "Hold", "HoldURL", "HoldMethod", "AnnounceURL", "AnnounceMethod",
	"WaitURL", "WaitMethod", "BeepOnExit", "EndConferenceOnExit", "Coaching", "CallToCoach",
}

// AllFields lists every field of UpdateRequest.
func AllFields() []Field {
	fs := make([]Field, numFields)
	for i := range fs {
		fs[i] = Field(i)
	}
	return fs
}

// String returns the field's name in UpdateRequest, e.g. "WaitMethod".
func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return "Field(" + strconv.Itoa(int(f)) + ")"
}

// FieldSet is a set of fields.
type FieldSet uint16

// NewFieldSet returns the set of fs.
func NewFieldSet(fs ...Field) FieldSet {
	var s FieldSet
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// Has reports whether f is in the set.
func (s FieldSet) Has(f Field) bool { return f < numFields && s&(1<<f) != 0 }

// Fields lists the set's fields in order.
func (s FieldSet) Fields() []Field {
	var fs []Field
	for f := Field(0); f < numFields; f++ {
		if s.Has(f) {
			fs = append(fs, f)
		}
	}
	return fs
}

// String lists the set's field names, comma separated.
func (s FieldSet) String() string {
	var b strings.Builder
	for i, f := range s.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// Capabilities says what an adapter can carry to its carrier.
type Capabilities struct {
	// Provider is the adapter's name, e.g. "twilio" or "texml".
	Provider string
	// Fields are the UpdateRequest fields the carrier accepts.
	Fields FieldSet
	// Fetch reports whether the adapter implements Fetcher.
	Fetch bool
}

// Supports reports whether the adapter can carry field f.
func (c Capabilities) Supports(f Field) bool { return c.Fields.Has(f) }
