// Package bench measures carrierkit against a hand-written net/http client
// (the floor) and twilio-go, in one run against the same loopback server.
// The benchmarks are in bench_test.go; cmd/benchtable runs them and prints
// the median table with ratios to the floor. See BENCHMARKS.md at the
// repository root.
//
// It is a separate module so that the main module gains no dependency on
// twilio-go.
package bench
