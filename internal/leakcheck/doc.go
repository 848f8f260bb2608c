// Package leakcheck holds the test that keeps goroutine-leak checking
// universal: every package of the module that has tests must run them under
// go.uber.org/goleak (a TestMain calling goleak.VerifyTestMain, or
// goleak.Find after m.Run), so packages added later comply too.
package leakcheck
