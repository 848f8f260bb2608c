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

// Op names an operation: the four on participants (update, fetch, list,
// remove), and the ones an *Error can also report: check (CheckRef),
// config (a bad setting when an adapter is created or opened), and acquire
// (waiting for a shared rate limit). Its value is its name, so it prints,
// logs and marshals as that word.
type Op string

// Operations. Fetch, list and remove are optional: Capabilities.Ops says
// which a carrier offers, and the portable client refuses the others with
// ErrUnsupported, nothing sent.
const (
	OpUpdate  Op = "update"
	OpFetch   Op = "fetch"
	OpList    Op = "list"
	OpRemove  Op = "remove"
	OpCheck   Op = "check"
	OpConfig  Op = "config"
	OpAcquire Op = "acquire"
)

// String returns the operation's name, e.g. "list".
func (o Op) String() string { return string(o) }

// bit is o's place in an OpSet: the optional operations have one, every
// other operation none (0).
func (o Op) bit() OpSet {
	switch o {
	case OpFetch:
		return 1
	case OpList:
		return 2
	case OpRemove:
		return 4
	}
	return 0
}

// OpSet is a set of the optional operations (fetch, list, remove).
type OpSet uint8

// NewOpSet returns the set of ops; operations that are not optional are
// left out.
func NewOpSet(ops ...Op) OpSet {
	var s OpSet
	for _, o := range ops {
		s |= o.bit()
	}
	return s
}

// Has reports whether o is in the set.
func (s OpSet) Has(o Op) bool { return o.bit() != 0 && s&o.bit() != 0 }

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
