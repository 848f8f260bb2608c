// Package participant is carrierkit's neutral vocabulary for a live
// conference participant: the ref that names one ([Ref]), the update
// ([UpdateRequest]: mute, hold with hold music, announcements, wait music,
// beep and end-conference on exit, coaching), the participant as a carrier
// reports it ([Participant]), what a carrier can carry ([Capabilities]),
// and the errors every carrier's failures map to ([Error], [Code]).
//
// Applications call these through the portable client, carrierkit.Client,
// which any provider opens (providers.Open, twilio.New, …); switching
// carriers changes the provider, not the calling code. Drivers (package
// driver) implement the carrier side.
//
// Fields of [UpdateRequest] are tri-state: nil leaves the participant's value
// as it is, and a pointer to false is sent as false. Requests are checked by
// [Validate] before anything is sent; a field the carrier cannot carry is
// refused with [ErrUnsupported] naming the field, never silently dropped.
//
// Errors are [*Error] values with a neutral [Code] that works with
// [errors.Is] (for example errors.Is(err, participant.ErrNotFound)); the
// vendor's own error and the transport cause are wrapped and reachable with
// [errors.As], and [Error.Delivery] says how far a failed request got.
package participant
