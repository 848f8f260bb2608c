package httpdriver

import (
	"context"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/participant"
)

// An update is a plan: ordered steps, each one HTTP call carrying some of
// the request's fields. A Twilio-shaped carrier's plan is one step, the
// dialect's Update operation, carrying every field. An action-verb carrier
// (Plivo, Vonage) plans several: Dialect.Plan picks, per field and value,
// the calls that apply it (POST …/Mute/ to mute, DELETE to unmute).
//
// The engine runs the steps in a safe order (Phase), stops at the first
// failure and reports on the error the fields the earlier steps applied
// (participant.Error.Applied) and the failed step (Error.Step), so that a
// router or a batch sends only req.Without(Applied) again.

// Phase orders the steps of a plan. Steps run phase by phase, in plan
// order within a phase, so that a failure part way leaves the participant
// in a safe state: never heard while it hears nothing, and no audio played
// before the idempotent steps are done (sending the remaining steps again
// then never replays it).
type Phase uint8

// Phases, in the order they run.
const (
	// PhaseSafe: calls that leave the participant safer whatever follows:
	// mute (it is no longer heard), undeaf or unearmuff (it hears again).
	PhaseSafe Phase = iota
	// PhaseExposing: calls that make the participant heard (unmute) or
	// unable to hear (deaf, earmuff), run once the safe ones went through.
	PhaseExposing
	// PhaseAudio: audio that is not idempotent (Plivo's Play, Vonage's
	// stream), always last. A step carrying AnnounceURL is in this phase
	// whatever the plan says.
	PhaseAudio
	numPhases
)

// Step is one HTTP call of an update.
type Step struct {
	// Name names the call in errors (participant.Error.Step), e.g. "deaf".
	Name string
	// Op is the call: method, path and body (Operation.Encode builds a
	// JSONBody from the request). Its answer is not decoded: the plan's
	// participant comes from the read-back.
	Op *Operation
	// Fields are the request's fields this call completes: once it and the
	// steps before it succeeded, they are applied. A field that needs
	// several calls (Plivo's Hold: mute, then deaf) is in the last one's.
	Fields participant.FieldSet
	// Phase orders the step (see Phase).
	Phase Phase
}

// MaxSteps bounds a plan: Dialect.Plan may return at most this many steps.
const MaxSteps = 8

// AuthorizeFunc returns the Authorization header value of one request
// (Config.Authorize): a token minted for it, such as Vonage's JWT.
type AuthorizeFunc func() (string, error)

// authorization is the Authorization value of the next request: the
// static one, or one minted by Config.Authorize. Nothing is sent when
// minting fails.
func (c *Driver) authorization(op participant.Op) (string, *participant.Error) {
	if c.cfg.Authorize == nil {
		return c.cfg.Authorization, nil
	}
	v, err := c.cfg.Authorize()
	if err != nil {
		return "", &participant.Error{Code: participant.CodeUnauthenticated, Provider: c.d.Provider, Op: op,
			Delivery: participant.DeliveryNotSent, Message: "cannot sign the request: " + c.scrub.String(err.Error()), Err: err}
	}
	return v, nil
}

// updatePlan is Update for a dialect with a Plan: it reads the current
// state first when the plan needs it, runs the steps in phase order,
// then reads the participant back (or, for a carrier whose state cannot
// be read, returns it as the request set it).
func (c *Driver) updatePlan(ctx context.Context, ref participant.Ref, req *participant.UpdateRequest) (*participant.Participant, error) {
	account, err := c.check("update", ref, req)
	if err != nil {
		return nil, err
	}
	// One retry budget for the whole update, the read first included:
	// each request gets what the ones before it left
	// (participant.WithRetryBudget).
	attempts, budget := 0, c.planBudget(ctx)
	var current *participant.Participant
	if c.d.PlanNeedsState != nil && c.d.PlanNeedsState(req) {
		var n int
		current, n, err = c.fetch(participant.WithRetryBudget(ctx, budget), "update", account, ref)
		attempts += n
		budget -= max(n-1, 0)
		if err != nil {
			pe := engineError(err)
			if pe.Delivery != participant.DeliveryAnswered {
				// However far the read got, no call of the update was sent.
				pe.Delivery = participant.DeliveryNotSent
			}
			pe.Message = "reading the participant's state before updating it failed, nothing was changed" + prefixed(pe.Message)
			return nil, pe
		}
	}
	var buf [MaxSteps]Step
	steps := order(c.d.Plan(req, current, buf[:0]))
	if len(steps) == 0 || len(steps) > MaxSteps {
		return nil, &participant.Error{Code: participant.CodeUnknown, Provider: c.d.Provider, Op: "update",
			Delivery: participant.DeliveryNotSent, Message: "the dialect planned no step or too many for the request"}
	}
	var applied participant.FieldSet
	for _, s := range steps {
		resp, perr := c.sendStep(participant.WithRetryBudget(ctx, budget), account, ref, req, s)
		attempts += resp.Attempts
		budget -= max(resp.Attempts-1, 0)
		if perr != nil {
			return nil, c.stepFailed(perr, s, steps, applied, req.Fields()&^applied, attempts)
		}
		applied |= s.Fields
	}
	if c.d.NoReadBack {
		return c.asSet(account, ref, req), nil
	}
	p, _, err := c.fetch(ctx, "update", account, ref)
	if err != nil {
		pe := engineError(err)
		pe.Attempts += attempts
		pe.Delivery, pe.Applied = participant.DeliveryApplied, req.Fields()
		pe.Message = "the update was applied, but reading the participant back failed" + prefixed(pe.Message)
		return nil, pe
	}
	return p, nil
}

// planBudget is the retries one planned update may spend in all, across
// its steps: the adapter's policy's, within the caller's budget.
func (c *Driver) planBudget(ctx context.Context) int {
	pol := driver.DefaultRetryPolicy()
	if c.cfg.HTTP.Retry != nil {
		pol = c.cfg.HTTP.Retry.WithDefaults()
	}
	if b, ok := participant.RetryBudget(ctx); ok {
		return min(b, pol.MaxRetries)
	}
	return pol.MaxRetries
}

// order sorts steps by phase, keeping the plan's order within a phase; a
// step carrying AnnounceURL is audio whatever its Phase says.
func order(steps []Step) []Step {
	if len(steps) > MaxSteps {
		return steps // refused by the caller
	}
	var in [MaxSteps]Step
	copy(in[:], steps)
	out := steps[:0]
	for ph := range numPhases {
		for _, s := range in[:len(steps)] {
			if s.Fields.Has(participant.FieldAnnounceURL) {
				s.Phase = PhaseAudio
			}
			if s.Phase == ph {
				out = append(out, s)
			}
		}
	}
	return out
}

// sendStep sends one step.
func (c *Driver) sendStep(ctx context.Context, account string, ref participant.Ref, req *participant.UpdateRequest, s Step) (httpx.Response, *participant.Error) {
	auth, perr := c.authorization("update")
	if perr != nil {
		return httpx.Response{}, perr
	}
	r := &httpx.Request{Method: s.Op.Method, URL: s.Op.Path.build(c.cfg.BaseURL, account, ref), Authorization: auth,
		Idempotent: !s.Fields.Has(participant.FieldAnnounceURL)}
	if s.Op.Body == JSONBody {
		body, err := s.Op.Encode(req)
		if err != nil {
			return httpx.Response{}, &participant.Error{Code: participant.CodeInvalidArgument, Provider: c.d.Provider,
				Op: "update", Delivery: participant.DeliveryNotSent, Message: "cannot encode the request: " + err.Error(), Err: err}
		}
		r.Body, r.ContentType = body, "application/json"
	}
	return c.send(ctx, "update", r)
}

// stepFailed completes the error of step s, which failed after the steps
// before it applied the fields in applied (rest being the others): the
// step's name, the applied fields and the attempts of every step.
func (c *Driver) stepFailed(pe *participant.Error, s Step, steps []Step, applied, rest participant.FieldSet, attempts int) *participant.Error {
	pe.Attempts = attempts // pe.Delivery, set by send, says how far the failed step, so the rest, got
	pe.Applied = applied
	if len(steps) > 1 {
		pe.Step = s.Name
		msg := "step " + s.Name + " failed"
		if applied != 0 {
			msg = "applied " + applied.String() + " before step " + s.Name + " failed"
		}
		switch pe.Delivery {
		case participant.DeliveryMaybe, participant.DeliveryUnknown:
			msg += "; " + rest.String() + " may have been applied"
		default:
			msg += "; " + rest.String() + " not applied"
		}
		pe.Message = msg + prefixed(pe.Message)
	}
	return pe
}

// asSet is the participant after an update whose carrier cannot report
// its state (Dialect.NoReadBack): the ref's ids, and Muted and Hold as the
// request set them (Hold implies Muted); Capabilities.Readable says these
// are not read from the carrier.
func (c *Driver) asSet(account string, ref participant.Ref, req *participant.UpdateRequest) *participant.Participant {
	p := &participant.Participant{Provider: c.d.Provider, AccountID: account, ConferenceID: ref.Conference,
		CallID: ref.Call, Status: participant.StatusUnknown}
	if req.Muted != nil {
		p.Muted = *req.Muted
	}
	if req.Hold != nil {
		p.Hold = *req.Hold
		p.Muted = p.Muted || *req.Hold && req.Muted == nil
	}
	return p
}
