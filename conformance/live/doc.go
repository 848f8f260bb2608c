// Package live holds carrierkit's live conformance checks: stable check
// ids run against a real endpoint (a carrier's API or any compatible host),
// the recorder that counts and transcribes what is sent, and the report
// (table, JSON lines, JUnit). It does not import testing: carrierctl
// conformance runs it directly, and conformance.RunLive runs the same checks
// as Go subtests.
package live
