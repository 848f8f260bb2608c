// Package leakcheck holds the test that keeps goroutine-leak checking
// universal: every package that has tests, in this module and in the nested
// modules (bench, compat/twiliogo), must run them under
// go.uber.org/goleak (a TestMain calling goleak.VerifyTestMain, or
// goleak.Find after m.Run), so packages added later comply too.
package leakcheck
