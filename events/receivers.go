package events

import (
	"cmp"
	"slices"
)

// ReceiverInfo describes one Receiver for tools that set receivers up from
// secrets (carrierctl events): each receiver's file registers its own, so a
// tool lists them with Receivers and names no carrier itself.
type ReceiverInfo struct {
	// Provider is the carrierkit adapter whose callbacks the receiver
	// verifies (the config and URL scheme); carrierctl events serves it
	// at /Provider.
	Provider string
	// Description says in one line what is received and how it is
	// verified, for --help.
	Description string
	// Secrets are what New needs, in the order it takes them.
	Secrets []Secret
	// New builds the receiver from the secrets' values, in Secrets' order,
	// each non-empty. src says how a receiver that signs the URL learns
	// it; the others ignore it. A bad value is an error saying what a
	// valid one is, never repeating the value.
	New func(secrets []string, src URLSource) (Receiver, error)
}

// Secret is one secret a receiver is built from.
type Secret struct {
	// Name is the secret's key in the webhook_keys of carrierctl emulate
	// (the emulator's own secrets).
	Name string
	// Env is the environment variable carrierctl events reads it from.
	Env string
	// Format says what the value is when it is not used as given, e.g.
	// "base64 Ed25519"; "" otherwise.
	Format string
}

// receivers and carrierTypes (a provider's event names and their neutral
// types, for CarrierEvents) are written only by this package's init
// functions.
var (
	receivers    []ReceiverInfo
	carrierTypes = map[string]map[string]Type{}
)

// registerReceiver adds info to Receivers, and the event names its parser
// maps to CarrierEvents; a receiver's file calls it in init. It panics on a
// missing field or a second receiver for one provider.
func registerReceiver(info ReceiverInfo, types map[string]Type) {
	if info.Provider == "" || info.Description == "" || info.New == nil || len(info.Secrets) == 0 || len(types) == 0 {
		panic("events: receiver " + info.Provider + ": want a provider, a description, secrets and New")
	}
	for _, s := range info.Secrets {
		if s.Name == "" || s.Env == "" {
			panic("events: receiver " + info.Provider + ": a secret needs a name and an environment variable")
		}
	}
	for _, r := range receivers {
		if r.Provider == info.Provider {
			panic("events: receiver " + info.Provider + " registered twice")
		}
	}
	receivers = append(receivers, info)
	carrierTypes[info.Provider] = types
	slices.SortFunc(receivers, func(a, b ReceiverInfo) int { return cmp.Compare(a.Provider, b.Provider) })
}

// Receivers returns the description of every receiver in this package,
// sorted by Provider.
func Receivers() []ReceiverInfo {
	out := slices.Clone(receivers)
	for i := range out {
		out[i].Secrets = slices.Clone(out[i].Secrets)
	}
	return out
}
