// Package driver is what a carrierkit driver implements and what every
// driver shares: the Driver interface and its optional capabilities, the
// HTTP options and retry policy adapters are configured with, and the names
// of the parameters every adapter's URL and config section accept.
//
// Applications use the portable carrierkit.Client, which wraps a Driver;
// they meet this package only for Options and RetryPolicy. A driver for a
// carrier outside this module implements Driver and is wrapped with
// carrierkit.New.
package driver
