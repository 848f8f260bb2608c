package vendorfake

// The engine's public face is fake.Server (package conformance/fake),
// which this package cannot import: fake sets these when it is
// initialised, and every vendor fake imports fake.
var (
	wrap   func(*Server) any
	unwrap func(any) *Server
)

// SetPublic is for package conformance/fake: w wraps an engine in its
// public face, u unwraps it.
func SetPublic(w func(*Server) any, u func(any) *Server) { wrap, unwrap = w, u }

// Public returns s's public face, a *fake.Server; a vendor fake's New
// asserts it to its Server type.
func Public(s *Server) any { return wrap(s) }

// Engine returns the engine behind pub, a *fake.Server, for the emulator
// and the vendor fakes' own handlers.
func Engine(pub any) *Server { return unwrap(pub) }
