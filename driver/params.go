package driver

// Retry parameters, the same for every adapter's URL and in config files.
const (
	ParamMaxRetries    = "max_retries"     // retries after the first attempt, e.g. 3
	ParamWaitMin       = "wait_min"        // shortest backoff, a Go duration, e.g. 100ms
	ParamWaitMax       = "wait_max"        // longest backoff, e.g. 2s
	ParamMaxRetryAfter = "max_retry_after" // cap on a carrier's Retry-After, e.g. 30s
)

// RetryParams lists the retry parameters.
func RetryParams() []string {
	return []string{ParamMaxRetries, ParamWaitMin, ParamWaitMax, ParamMaxRetryAfter}
}

// Time bounds, the same for every adapter's URL and, under "timeouts", in
// config files (Go durations; "0" or absent: the default, DefaultTimeout
// and DefaultAttemptTimeout).
const (
	ParamAttemptTimeout = "attempt_timeout" // one HTTP attempt, e.g. 15s (Options.AttemptTimeout)
	ParamTimeout        = "timeout"         // a whole call (a sooner context deadline wins), e.g. 60s (Options.Timeout)
)

// TimeoutParams lists the time bound parameters.
func TimeoutParams() []string { return []string{ParamAttemptTimeout, ParamTimeout} }
