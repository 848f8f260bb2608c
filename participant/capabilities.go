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

// Op is an operation on participants beyond Update, which every adapter has.
type Op uint8

// The optional operations. Each has an interface (Fetcher, Lister, Remover)
// and a helper (Fetch, List, Remove) that reports ErrUnsupported when the
// adapter's carrier cannot do it.
const (
	OpFetch Op = iota
	OpList
	OpRemove
	numOps
)

var opNames = [numOps]string{"fetch", "list", "remove"}

// String returns the operation's name, e.g. "list".
func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// OpSet is a set of operations.
type OpSet uint8

// NewOpSet returns the set of ops.
func NewOpSet(ops ...Op) OpSet {
	var s OpSet
	for _, o := range ops {
		s |= 1 << o
	}
	return s
}

// Has reports whether o is in the set.
func (s OpSet) Has(o Op) bool { return o < numOps && s&(1<<o) != 0 }

// Capabilities says what an adapter can carry to its carrier. An adapter's
// Go type may implement an optional interface (Fetcher, Lister, Remover) for
// a carrier that has no such operation; Ops is what the carrier can do, and
// the helpers Fetch, List and Remove go by it.
type Capabilities struct {
	// Provider is the adapter's name, e.g. "twilio" or "texml".
	Provider string
	// Fields are the UpdateRequest fields the carrier accepts.
	Fields FieldSet
	// Ops are the optional operations the carrier offers.
	Ops OpSet
	// Labels reports whether Ref.Call may be a participant label (Twilio,
	// TeXML) rather than only a call id (Bandwidth).
	Labels bool
	// Omits says what the carrier's participant resource does not carry;
	// those Participant fields stay zero.
	Omits Omits
	// Readable are the fields whose state Fetch and List report (Muted,
	// Hold, Coaching, CallToCoach, EndConferenceOnExit on Twilio). A field
	// the carrier accepts but cannot report (Vonage's mute and earmuff, any
	// carrier's URLs) is left out: the participant's value for it says
	// nothing, it cannot be read back after an update, and a List filter
	// on it is refused.
	Readable FieldSet
	// HoldMutes reports that the carrier has one mute flag, which hold
	// uses too (Plivo, Vonage): Hold=true also mutes, and Hold=false also
	// unmutes unless the same request sets Muted.
	HoldMutes bool
}

// CanRead reports whether Fetch and List report the state of field f.
func (c Capabilities) CanRead(f Field) bool { return c.Readable.Has(f) }

// Omits lists parts of Participant a carrier does not report.
type Omits struct {
	// Status: Participant.Status is always StatusUnknown (Bandwidth's
	// members have no status).
	Status bool
	// Times: Participant.Created and Updated are always zero.
	Times bool
}

// Supports reports whether the adapter can carry field f.
func (c Capabilities) Supports(f Field) bool { return c.Fields.Has(f) }

// Can reports whether the carrier offers operation o.
func (c Capabilities) Can(o Op) bool { return c.Ops.Has(o) }
