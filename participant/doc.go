// Package participant is carrierkit's portable API for controlling a live
// conference participant: mute, hold with hold music, announcements, wait
// music, beep and end-conference on exit, and coaching.
//
// Code is written against the [Updater] interface and the neutral
// [UpdateRequest]; an adapter from providers/twilio or providers/texml (or
// any other package that implements [Updater]) carries the request to a
// carrier. Switching carriers changes the adapter, not the calling code.
//
// Fields of [UpdateRequest] are tri-state: nil leaves the participant's value
// as it is, and a pointer to false is sent as false. Requests are checked by
// [Validate] before anything is sent; a field the adapter cannot carry is
// refused with [ErrUnsupported] naming the field, never silently dropped.
//
// Errors returned by adapters are [*Error] values with a neutral [Code] that
// works with [errors.Is] (for example errors.Is(err, participant.ErrNotFound));
// the vendor's own error is wrapped and reachable with [errors.As].
package participant
