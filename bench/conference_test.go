package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// The carrier the whole-conference benchmarks rehearse against: every
// answer takes carrierLatency, and past carrierLimit requests in flight
// per account the fake answers 429 (Twilio 20429), as a carrier's
// concurrency limit does. ideal is the best rate that allows.
const (
	carrierLatency = 20 * time.Millisecond
	carrierLimit   = 50
	ideal          = carrierLimit * float64(time.Second) / float64(carrierLatency) // 2,500 updates/s
	loopInFlight   = 100
)

// loadedConference is a Twilio fake holding one conference of n
// participants behind the latency and the limit, and an adapter for it.
func loadedConference(b *testing.B, n int) (*carrierMeter, *twilio.Client, participant.ConferenceRef) {
	b.Helper()
	fake := twiliotest.New(twiliotest.Config{AccountSID: twAccount, AuthToken: twToken})
	for i := range n {
		fake.Seed(twiliotest.Participant{Account: twAccount, Conference: twConference, Label: "p" + strconv.Itoa(i)})
	}
	fake.MaxRequests = 1 // the request log is not what is measured
	fake.SetLoad(twiliotest.Load{MaxConcurrent: carrierLimit, Latency: carrierLatency})
	m := &carrierMeter{Server: fake}
	srv := httptest.NewServer(m)
	b.Cleanup(srv.Close)
	u, err := twilio.New(twilio.Config{AccountSID: twAccount, AuthToken: twToken, BaseURL: srv.URL,
		Options: providers.Options{MaxConnsPerHost: 2 * loopInFlight}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(u.CloseIdleConnections)
	return m, u, participant.ConferenceRef{Conference: twConference}
}

// carrierMeter serves the fake and adds up the time requests spend in it,
// so a run can report how many of the carrierLimit slots were busy at the
// carrier on average: what the client side (and the machine) leave of
// the ideal rate.
type carrierMeter struct {
	*twiliotest.Server
	busy     atomic.Int64 // ns, summed over requests
	requests atomic.Int64
	in, peak atomic.Int64 // requests inside now, and the most at once
}

func (m *carrierMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	for in, peak := m.in.Add(1), m.peak.Load(); in > peak && !m.peak.CompareAndSwap(peak, in); peak = m.peak.Load() {
	}
	m.Server.ServeHTTP(w, r)
	m.in.Add(-1)
	m.busy.Add(int64(time.Since(start)))
	m.requests.Add(1)
}

var mute = participant.UpdateRequest{Muted: participant.Bool(true)}

// report adds the rate and its ratio to the ideal, the 429s the carrier
// answered and the ones surfaced to the caller, per run.
func report(b *testing.B, n int, elapsed time.Duration, throttled int64, surfaced int) {
	runs := float64(b.N)
	rate := float64(n) * runs / elapsed.Seconds()
	b.ReportMetric(rate, "updates/s")
	b.ReportMetric(rate/ideal, "x_ideal")
	b.ReportMetric(float64(throttled)/runs, "429s_answered/op")
	b.ReportMetric(float64(surfaced)/runs, "429s_surfaced/op")
}

// BenchmarkConference mutes a whole conference behind the latency and the
// limit, four ways, close in time:
//
//   - floor: the best this machine does within the limit: the call ids
//     known beforehand (no listing), exactly carrierLimit goroutines over
//     the plain adapter.
//   - update-all: batch.UpdateAll with a Limiter of the carrier's limit:
//     listing and updates share the 50 slots, so the carrier never has
//     to refuse one. At two conference sizes, for B/op per participant.
//   - hand-loop: list, then loopInFlight goroutines over the plain adapter
//     (its default retry policy retries each 429 after a backoff).
func BenchmarkConference(b *testing.B) {
	b.Run("floor/participants=1000", func(b *testing.B) { benchFloor(b, 1000) })
	for _, n := range []int{1000, 2000} {
		b.Run("update-all/participants="+strconv.Itoa(n), func(b *testing.B) { benchUpdateAll(b, n) })
	}
	b.Run("hand-loop/participants=1000", func(b *testing.B) { benchHandLoop(b, 1000) })
}

// measure times run over b.Loop and reports; run returns the 429s it
// surfaced. The carrier's 429s are counted from the first run. at_carrier
// is the mean number of requests inside the carrier (of carrierLimit),
// carrier_ms/req the mean time one spends there (the latency, plus the
// fake's own work), peak_at_carrier the most at once (429s included).
func measure(b *testing.B, n int, fake *carrierMeter, run func() int) {
	before := fake.Throttled()
	busy0, requests0 := fake.busy.Load(), fake.requests.Load()
	b.ReportAllocs()
	var elapsed time.Duration
	surfaced := 0
	for b.Loop() {
		start := time.Now()
		surfaced += run()
		elapsed += time.Since(start)
	}
	report(b, n, elapsed, fake.Throttled()-before, surfaced)
	busy, requests := fake.busy.Load()-busy0, fake.requests.Load()-requests0
	b.ReportMetric(float64(busy)/float64(elapsed), "at_carrier")
	b.ReportMetric(float64(busy)/float64(requests)/1e6, "carrier_ms/req")
	b.ReportMetric(float64(fake.peak.Load()), "peak_at_carrier")
}

// listCalls lists the conference's call ids in one page.
func listCalls(b *testing.B, u *twilio.Client, conf participant.ConferenceRef) []string {
	var calls []string
	for p, err := range u.List(context.Background(), conf, participant.ListOptions{PageSize: maxPage}) {
		if err != nil {
			b.Fatal(err)
		}
		calls = append(calls, p.CallID)
	}
	return calls
}

// maxPage is the largest page Twilio's list gives (PageSize).
const maxPage = 1000

func benchFloor(b *testing.B, n int) {
	fake, u, conf := loadedConference(b, n)
	calls := listCalls(b, u, conf) // beforehand: the floor does not list
	measure(b, n, fake, func() int { return inFlight(context.Background(), u, conf, calls, carrierLimit) })
}

// inFlight updates calls with g goroutines and returns the 429s surfaced.
func inFlight(ctx context.Context, u *twilio.Client, conf participant.ConferenceRef, calls []string, g int) int {
	work := make(chan string, len(calls)) // filled first: no goroutine waits for a hand-off
	for _, c := range calls {
		work <- c
	}
	close(work)
	var mu sync.Mutex
	var wg sync.WaitGroup
	surfaced := 0
	for range g {
		wg.Go(func() {
			for call := range work {
				if _, err := u.Update(ctx, conf.Participant(call), mute); participant.CodeOf(err) == participant.CodeRateLimited {
					mu.Lock()
					surfaced++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return surfaced
}

func benchUpdateAll(b *testing.B, n int) {
	fake, u, conf := loadedConference(b, n)
	lim := batch.NewLimiter(carrierLimit) // one per account, reused by every run
	measure(b, n, fake, func() int {
		rs, err := batch.UpdateAll(context.Background(), u, conf, mute, batch.Options{Limiter: lim})
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) != n {
			b.Fatalf("%d results, want %d", len(rs), n)
		}
		surfaced := 0
		for _, r := range batch.Failed(rs) {
			if participant.CodeOf(r.Err) != participant.CodeRateLimited {
				b.Fatal(r.Err)
			}
			surfaced++
		}
		return surfaced
	})
}

func benchHandLoop(b *testing.B, n int) {
	fake, u, conf := loadedConference(b, n)
	measure(b, n, fake, func() int {
		return inFlight(context.Background(), u, conf, listCalls(b, u, conf), loopInFlight)
	})
}
