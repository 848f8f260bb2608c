package providers

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/settings"
)

// UpdaterURLOpener opens a client from a URL, in the style of gocloud's
// URL openers: the scheme picks the opener, the query holds its settings.
// Adapters register one under their scheme in init; most are built on
// package settings, whose Opener also opens a config file's carriers.
type UpdaterURLOpener = settings.URLOpener

// UpdaterURLChecker is implemented by openers that can check a URL without
// opening it: no credential is read and nothing is sent. Config files use it
// to report every problem when they are loaded.
type UpdaterURLChecker = settings.URLChecker

// UpdaterURLLocator is implemented by openers that can tell, without
// opening anything or reading credentials, which API root a URL reaches and
// in which region. A region is where a carrier keeps a call, unreachable
// through another region's endpoints (Twilio's us1, ie1, au1); region is ""
// when the carrier has no such regions or the host is not the carrier's
// own. A router fails over only between endpoints of one region.
type UpdaterURLLocator = settings.URLLocator

// UpdaterURLOpenerWithOptions is implemented by openers that can copy
// themselves with other HTTP options (a logger, a User-Agent, …), so a
// tool can open any registered scheme with its own options.
type UpdaterURLOpenerWithOptions = settings.URLOpenerWithOptions

// settingsOpener is an adapter's URLOpener built on package settings: it
// gives the generic opener with the credentials and options set on it.
type settingsOpener interface {
	Opener() settings.Opener
}

// URLMux maps URL schemes to openers. The zero value is an empty mux, ready
// to use; it is safe for concurrent use.
type URLMux struct {
	mu      sync.RWMutex
	openers map[string]UpdaterURLOpener
}

var schemePattern = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

// RegisterUpdater registers opener under scheme. It panics if the scheme is
// not a lower-case URL scheme, if opener is nil or if the scheme is taken,
// as registration happens in init.
func (m *URLMux) RegisterUpdater(scheme string, opener UpdaterURLOpener) {
	if !schemePattern.MatchString(scheme) {
		panic(fmt.Sprintf("providers: invalid scheme %q", scheme))
	}
	if opener == nil {
		panic("providers: nil opener for scheme " + scheme)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.openers[scheme]; dup {
		panic("providers: scheme " + scheme + " registered twice")
	}
	if m.openers == nil {
		m.openers = make(map[string]UpdaterURLOpener)
	}
	m.openers[scheme] = opener
}

// Schemes returns the registered schemes, sorted.
func (m *URLMux) Schemes() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := make([]string, 0, len(m.openers))
	for k := range m.openers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// WithOptions returns a new mux with m's schemes, each opener replaced by
// its copy using opts when it implements UpdaterURLOpenerWithOptions or is
// built on package settings.
func (m *URLMux) WithOptions(opts driver.Options) *URLMux {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := &URLMux{openers: make(map[string]UpdaterURLOpener, len(m.openers))}
	for scheme, o := range m.openers {
		if so, ok := o.(settingsOpener); ok {
			o = so.Opener()
		}
		if w, ok := o.(UpdaterURLOpenerWithOptions); ok {
			o = w.WithOptions(opts)
		}
		out.openers[scheme] = o
	}
	return out
}

// ValidUpdaterScheme reports whether scheme is registered.
func (m *URLMux) ValidUpdaterScheme(scheme string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.openers[scheme]
	return ok
}

// OpenUpdater parses urlstr and opens the Updater its scheme names, e.g.
// "twilio://?region=ie1&edge=dublin". Errors are *participant.Error values
// with CodeInvalidArgument (several are joined) naming the parameter; they
// never repeat the URL, so a credential put in it by mistake is not shown.
func (m *URLMux) OpenUpdater(ctx context.Context, urlstr string) (*carrierkit.Client, error) {
	u, err := parseURL(urlstr)
	if err != nil {
		return nil, err
	}
	return m.OpenUpdaterURL(ctx, u)
}

// OpenUpdaterURL opens the Updater u's scheme names.
func (m *URLMux) OpenUpdaterURL(ctx context.Context, u *url.URL) (*carrierkit.Client, error) {
	o, err := m.opener(u)
	if err != nil {
		return nil, err
	}
	return o.OpenUpdaterURL(ctx, u)
}

// CheckUpdaterURL checks u as OpenUpdaterURL would, without reading
// credentials or opening anything, when the scheme's opener implements
// UpdaterURLChecker; otherwise it checks only the scheme.
func (m *URLMux) CheckUpdaterURL(u *url.URL) error {
	o, err := m.opener(u)
	if err != nil {
		return err
	}
	if so, ok := o.(settingsOpener); ok {
		o = so.Opener()
	}
	if c, ok := o.(UpdaterURLChecker); ok {
		return c.CheckUpdaterURL(u)
	}
	return nil
}

// LocateUpdaterURL returns the API root and region u reaches, when the
// scheme's opener implements UpdaterURLLocator; ok is false otherwise.
func (m *URLMux) LocateUpdaterURL(u *url.URL) (root, region string, ok bool, err error) {
	o, err := m.opener(u)
	if err != nil {
		return "", "", false, err
	}
	if so, ok := o.(settingsOpener); ok {
		v, err := settings.ParseURL(u.Scheme, u)
		if err != nil {
			return "", "", false, settings.Join(err, so.Opener().CheckSettings(v))
		}
		return so.Opener().LocateSettings(v)
	}
	l, ok := o.(UpdaterURLLocator)
	if !ok {
		return "", "", false, nil
	}
	root, region, err = l.LocateUpdaterURL(u)
	return root, region, true, err
}

// Opener returns the opener registered under scheme, or nil.
func (m *URLMux) Opener(scheme string) UpdaterURLOpener {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.openers[scheme]
}

// Settings returns the settings opener of scheme: the one its adapter
// builds on package settings, with the credentials and options set on it.
// A config file's carriers are opened through it; carrierctl describes a
// provider's parameters with its Table. The error names path (a config
// file's provider key, or "scheme").
func (m *URLMux) Settings(scheme, path string) (settings.Opener, error) {
	o, err := m.lookup(scheme, path)
	if err != nil {
		return nil, err
	}
	switch o := o.(type) {
	case settingsOpener:
		return o.Opener(), nil
	case settings.Opener:
		return o, nil
	}
	return nil, driver.ConfigError("", path, fmt.Sprintf("provider %q does not describe its settings (its opener is not built on package settings): open it with a URL", scheme))
}

func (m *URLMux) opener(u *url.URL) (UpdaterURLOpener, error) { return m.lookup(u.Scheme, "scheme") }

func (m *URLMux) lookup(scheme, path string) (UpdaterURLOpener, error) {
	m.mu.RLock()
	o, ok := m.openers[scheme]
	m.mu.RUnlock()
	if ok {
		return o, nil
	}
	registered := "(registered: " + strings.Join(m.Schemes(), ", ") + ")"
	if scheme == "" {
		return nil, driver.ConfigError("", path, "is missing "+registered+", e.g. twilio://?region=ie1")
	}
	return nil, driver.ConfigError("", path, fmt.Sprintf("unknown scheme %q %s", scheme, registered))
}

// parseURL parses urlstr without ever echoing it: a URL may hold a
// credential by mistake.
func parseURL(urlstr string) (*url.URL, error) {
	u, err := url.Parse(urlstr)
	if err != nil {
		return nil, driver.ConfigError("", "url", "is not a valid URL")
	}
	return u, nil
}

var defaultMux = new(URLMux)

// DefaultURLMux returns the mux adapters register with in init. Import an
// adapter (providers/twilio, providers/texml) to register its scheme.
func DefaultURLMux() *URLMux { return defaultMux }

// Open opens an Updater from urlstr through DefaultURLMux, e.g.
// "twilio://?region=ie1&edge=dublin" or "texml://?base_url=http://127.0.0.1:8080/v2".
// Credentials never go in the URL: each adapter reads them from the
// environment, or from its URLOpener's fields when registered by hand.
func Open(ctx context.Context, urlstr string) (*carrierkit.Client, error) {
	return defaultMux.OpenUpdater(ctx, urlstr)
}
