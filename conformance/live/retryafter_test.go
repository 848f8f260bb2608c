package live_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// TestRetryAfterNothingRetried: a run that saw a 429 with Retry-After but
// no retry of it has checked no wait: the check is NA, not a pass.
func TestRetryAfterNothingRetried(t *testing.T) {
	account, token := twiliotest.NewAccountSID(), "token0123456789"
	srv := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: token})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	conf, call := twiliotest.NewConferenceSID(), twiliotest.NewCallSID()
	srv.Seed(vendorfake.Participant{Account: account, Conference: conf, CallID: call})
	srv.Fail(vendorfake.Fault{Status: 429, Code: "20429", RetryAfter: "1"}) // the first request only
	run, err := live.RunChecks(context.Background(), live.Env{
		Open: func(opts driver.Options) (participant.Updater, error) {
			opts.Retry = &driver.RetryPolicy{MaxRetries: 0} // the 429 is the answer
			return twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: hs.URL, Options: opts})
		},
		Ref: participant.Ref{Conference: conf, Call: call},
	})
	require.NoError(t, err)
	var got *live.Result
	for i, r := range run.Results {
		if r.ID == "retry.retry-after" {
			got = &run.Results[i]
		}
	}
	require.NotNil(t, got)
	assert.Equal(t, live.NA, got.Status, "%s", got)
	assert.Equal(t, live.Fail, run.Results[0].Status, "the 429 was core.fetch.mapping's answer")
}
