package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
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

// rehearsal is a carrier holding one conference of n participants behind
// the latency and the limit, and a Twilio adapter pointed at it.
type rehearsal struct {
	u     *carrierkit.Client
	conf  participant.ConferenceRef
	calls []string // the conference's call ids, listed beforehand

	// What the net/http row needs to build the same requests by hand.
	base, auth, account string

	// throttled returns how many requests the carrier has answered 429.
	throttled func() int64
	// meter is the in-process fake's wrapper; nil for the emulator process.
	meter *carrierMeter
}

// newRehearsal makes the adapter for a carrier at base and lists the
// conference once, checking it holds n participants.
func newRehearsal(b *testing.B, base, account, token, conference string, n int) *rehearsal {
	b.Helper()
	u, err := twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: base,
		Options: driver.Options{MaxConnsPerHost: 2 * loopInFlight}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = u.Close() })
	r := &rehearsal{u: u, conf: participant.ConferenceRef{Conference: conference}, base: base, account: account,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(account+":"+token))}
	r.calls = listCalls(b, u, r.conf)
	if len(r.calls) != n {
		b.Fatalf("the conference holds %d participants, want %d", len(r.calls), n)
	}
	return r
}

// inProcess is the Twilio fake (twiliotest) in the benchmark's own
// process, behind a carrierMeter.
func inProcess(b *testing.B, n int) *rehearsal {
	b.Helper()
	fake := twiliotest.New(twiliotest.Config{AccountSID: twAccount, AuthToken: twToken})
	for i := range n {
		fake.Seed(twiliotest.Participant{Account: twAccount, Conference: twConference, Label: "p" + strconv.Itoa(i)})
	}
	fake.SetMaxRequests(1) // the request log is not what is measured
	fake.SetLoad(twiliotest.Load{MaxConcurrent: carrierLimit, Latency: carrierLatency})
	m := &carrierMeter{Server: fake}
	srv := httptest.NewServer(m)
	b.Cleanup(srv.Close)
	r := newRehearsal(b, srv.URL, twAccount, twToken, twConference, n)
	r.throttled, r.meter = fake.Throttled, m
	return r
}

// emulatorProcess is `carrierctl emulate --participants n --latency 20ms
// --max-concurrent 50`, built from this repository and run as its own
// process, as a user rehearses against it: the Go runtimes of client and
// carrier no longer share one scheduler (they still share the machine).
func emulatorProcess(b *testing.B, n int) *rehearsal {
	b.Helper()
	e := startEmulator(b, "--participants", strconv.Itoa(n), "--latency", carrierLatency.String(),
		"--max-concurrent", strconv.Itoa(carrierLimit))
	r := newRehearsal(b, e.base, e.account, e.token, e.conference, n)
	r.throttled = func() int64 { return emulatorThrottled(b, e.base) }
	return r
}

// emulatorThrottled reads the emulator's count of Twilio requests it
// answered 429 (GET /_emulator/stats).
func emulatorThrottled(b *testing.B, base string) int64 {
	resp, err := http.Get(base + "/_emulator/stats")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]struct {
		Throttled int64 `json:"throttled"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		b.Fatal(err)
	}
	return stats["twilio"].Throttled
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
// limit, at two carriers, each way close in time:
//
//   - net-http: the machine's own floor: the call ids known beforehand
//     (no listing), exactly carrierLimit goroutines, each a hand-written
//     net/http POST (no carrierkit at all). What any Go client can reach
//     here.
//   - floor: the same over the plain adapter.
//   - update-all: batch.UpdateAll with a Limiter of the carrier's limit:
//     listing and updates share the 50 slots, so the carrier never has
//     to refuse one. At two conference sizes in process, for B/op per
//     participant.
//   - hand-loop: list, then loopInFlight goroutines over the plain adapter
//     (its default retry policy retries each 429 after a backoff).
//
// The carriers: the Twilio fake in this process (with its meter), and
// `carrierctl emulate` run as its own process (rows under emulator/).
func BenchmarkConference(b *testing.B) {
	b.Run("net-http/participants=1000", func(b *testing.B) { benchNetHTTP(b, inProcess(b, 1000)) })
	b.Run("floor/participants=1000", func(b *testing.B) { benchFloor(b, inProcess(b, 1000)) })
	for _, n := range []int{1000, 2000} {
		b.Run("update-all/participants="+strconv.Itoa(n), func(b *testing.B) { benchUpdateAll(b, inProcess(b, n)) })
	}
	b.Run("hand-loop/participants=1000", func(b *testing.B) { benchHandLoop(b, inProcess(b, 1000)) })

	b.Run("emulator", func(b *testing.B) {
		r := emulatorProcess(b, 1000)
		b.Run("net-http/participants=1000", func(b *testing.B) { benchNetHTTP(b, r) })
		b.Run("floor/participants=1000", func(b *testing.B) { benchFloor(b, r) })
		b.Run("update-all/participants=1000", func(b *testing.B) { benchUpdateAll(b, r) })
		b.Run("hand-loop/participants=1000", func(b *testing.B) { benchHandLoop(b, r) })
	})
}

// measure times run over b.Loop and reports; run returns the 429s it
// surfaced. The carrier's 429s are counted from the first run. For the
// in-process fake, at_carrier is the mean number of requests inside the
// carrier (of carrierLimit), carrier_ms/req the mean time one spends there
// (the latency, plus the fake's own work), peak_at_carrier the most at
// once (429s included).
func measure(b *testing.B, r *rehearsal, run func() int) {
	before := r.throttled()
	var busy0, requests0 int64
	if r.meter != nil {
		busy0, requests0 = r.meter.busy.Load(), r.meter.requests.Load()
	}
	b.ReportAllocs()
	var elapsed time.Duration
	surfaced := 0
	for b.Loop() {
		start := time.Now()
		surfaced += run()
		elapsed += time.Since(start)
	}
	report(b, len(r.calls), elapsed, r.throttled()-before, surfaced)
	if m := r.meter; m != nil {
		busy, requests := m.busy.Load()-busy0, m.requests.Load()-requests0
		b.ReportMetric(float64(busy)/float64(elapsed), "at_carrier")
		b.ReportMetric(float64(busy)/float64(requests)/1e6, "carrier_ms/req")
		b.ReportMetric(float64(m.peak.Load()), "peak_at_carrier")
	}
}

// listCalls lists the conference's call ids in one page.
func listCalls(b *testing.B, u *carrierkit.Client, conf participant.ConferenceRef) []string {
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

func benchFloor(b *testing.B, r *rehearsal) {
	measure(b, r, func() int {
		return inFlight(r.calls, carrierLimit, func(call string) error {
			_, err := r.u.Update(context.Background(), r.conf.Participant(call), mute)
			return err
		})
	})
}

// benchNetHTTP is the floor without carrierkit: floorPost (the least a
// hand-written client does) with net/http's pooled transport.
func benchNetHTTP(b *testing.B, r *rehearsal) {
	hc := &http.Client{Transport: pooledTransport()}
	b.Cleanup(hc.CloseIdleConnections)
	prefix := r.base + "/2010-04-01/Accounts/" + r.account + "/Conferences/" + r.conf.Conference + "/Participants/"
	measure(b, r, func() int {
		return inFlight(r.calls, carrierLimit, func(call string) error {
			var p floorParticipant
			if err := floorPost(context.Background(), hc, prefix+call+".json", r.auth, "Muted=true", &p); err != nil {
				b.Error(err) // a 429 too: within the limit there is none
			}
			return nil
		})
	})
}

// inFlight runs update over calls with g goroutines and returns the 429s
// surfaced.
func inFlight(calls []string, g int, update func(call string) error) int {
	work := make(chan string, len(calls)) // filled first: no goroutine waits for a hand-off
	for _, c := range calls {
		work <- c
	}
	close(work)
	var surfaced atomic.Int64
	var wg sync.WaitGroup
	for range g {
		wg.Go(func() {
			for call := range work {
				if participant.CodeOf(update(call)) == participant.CodeRateLimited {
					surfaced.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(surfaced.Load())
}

// benchUpdateAll runs batch.Each, the loop under batch.UpdateAll, so it
// can also report first_answer_ms: the mean time from the call to the
// first participant's answer (the listing, then one update).
func benchUpdateAll(b *testing.B, r *rehearsal) {
	n := len(r.calls)
	lim := batch.NewLimiter(carrierLimit) // one per account, reused by every run
	var toFirst time.Duration
	measure(b, r, func() int {
		start := time.Now()
		results, surfaced := 0, 0
		err := batch.Each(context.Background(), r.u, r.conf, mute, batch.Options{Limiter: lim}, func(_ int, res batch.Result) {
			if results == 0 {
				toFirst += time.Since(start)
			}
			results++
			if res.Err != nil {
				if participant.CodeOf(res.Err) != participant.CodeRateLimited {
					b.Error(res.Err)
				}
				surfaced++
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if results != n {
			b.Fatalf("%d results, want %d", results, n)
		}
		return surfaced
	})
	b.ReportMetric(float64(toFirst.Microseconds())/1e3/float64(b.N), "first_answer_ms")
}

func benchHandLoop(b *testing.B, r *rehearsal) {
	measure(b, r, func() int {
		return inFlight(listCalls(b, r.u, r.conf), loopInFlight, func(call string) error {
			_, err := r.u.Update(context.Background(), r.conf.Participant(call), mute)
			return err
		})
	})
}
