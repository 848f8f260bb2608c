package providers

import (
	"context"
	"fmt"
	"maps"
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

// unwrap returns the generic opener o is built on, or o itself: the mux
// checks, locates and copies an adapter's URLOpener through it.
func unwrap(o UpdaterURLOpener) UpdaterURLOpener {
	if so, ok := o.(settingsOpener); ok {
		return so.Opener()
	}
	return o
}

// URLMux maps URL schemes to openers. The zero value is an empty mux, ready
// to use; it is safe for concurrent use.
//
// It is the one registry of adapters: each entry (Adapter) holds the
// adapter's opener and the OpenAPI spec that describes its API, and
// companion packages attach what they know of an adapter to its entry
// (Attach): its fake attaches what the emulator needs to serve it. The
// CLI, the emulator and the spec checks all look adapters up here.
type URLMux struct {
	mu       sync.RWMutex
	adapters map[string]*entry
}

// Spec names the published OpenAPI document that describes an adapter's
// API: its file in the folder of vendor specs ($CARRIERKIT_SPECS) and the
// API root the adapter's requests are checked against. The zero Spec
// means no published spec describes the API.
type Spec struct {
	File, Root string
}

// Adapter is an adapter's entry in a URLMux.
type Adapter struct {
	// Name is the provider name, and the URL scheme it registers.
	Name   string
	Opener UpdaterURLOpener
	// Spec is the OpenAPI document of the adapter's API, if any.
	Spec Spec
}

// entry is a registered adapter with what companions attached to it.
type entry struct {
	Adapter
	attached map[any]any
}

var schemePattern = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

// RegisterUpdater registers opener under scheme: Register with no Spec.
func (m *URLMux) RegisterUpdater(scheme string, opener UpdaterURLOpener) {
	m.Register(Adapter{Name: scheme, Opener: opener})
}

// Register registers an adapter under its name. It panics if the name is
// not a lower-case URL scheme, if the opener is nil, if the name is taken
// or if the Spec has a File but no Root, as registration happens in init.
func (m *URLMux) Register(a Adapter) {
	if !schemePattern.MatchString(a.Name) {
		panic(fmt.Sprintf("providers: invalid scheme %q", a.Name))
	}
	if a.Opener == nil {
		panic("providers: nil opener for scheme " + a.Name)
	}
	if (a.Spec.File == "") != (a.Spec.Root == "") {
		panic("providers: the spec of " + a.Name + " needs both a file and a root")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.adapters[a.Name]; dup {
		panic("providers: scheme " + a.Name + " registered twice")
	}
	if m.adapters == nil {
		m.adapters = make(map[string]*entry)
	}
	m.adapters[a.Name] = &entry{Adapter: a}
}

// Lookup returns the entry of the adapter registered as name.
func (m *URLMux) Lookup(name string) (Adapter, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.adapters[name]
	if !ok {
		return Adapter{}, false
	}
	return e.Adapter, true
}

// Adapters returns the registered adapters, by name.
func (m *URLMux) Adapters() []Adapter {
	schemes := m.Schemes()
	out := make([]Adapter, 0, len(schemes))
	for _, s := range schemes {
		if a, ok := m.Lookup(s); ok {
			out = append(out, a)
		}
	}
	return out
}

// Attach attaches value to the entry of the adapter registered as name,
// under key: a comparable value of the attaching package's own type, as
// with context keys, so packages never collide. An adapter's fake attaches
// what the emulator needs to serve it. It panics if no adapter is
// registered as name or if key is taken on its entry, as attaching happens
// in init (after the adapter's, since the attaching package imports it).
func (m *URLMux) Attach(name string, key, value any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.adapters[name]
	if !ok {
		panic("providers: attach to " + name + ": no adapter registered under that name")
	}
	if _, dup := e.attached[key]; dup {
		panic(fmt.Sprintf("providers: %T attached to %s twice", key, name))
	}
	if e.attached == nil {
		e.attached = make(map[any]any)
	}
	e.attached[key] = value
}

// Attachment returns the value attached under key to the adapter
// registered as name.
func (m *URLMux) Attachment(name string, key any) (any, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.adapters[name]
	if !ok {
		return nil, false
	}
	v, ok := e.attached[key]
	return v, ok
}

// Schemes returns the registered schemes, sorted.
func (m *URLMux) Schemes() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Sorted(maps.Keys(m.adapters))
}

// WithOptions returns a new mux with m's schemes, each opener replaced by
// its copy using opts when it implements UpdaterURLOpenerWithOptions or is
// built on package settings.
func (m *URLMux) WithOptions(opts driver.Options) *URLMux {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := &URLMux{adapters: make(map[string]*entry, len(m.adapters))}
	for scheme, e := range m.adapters {
		c := &entry{Adapter: e.Adapter, attached: maps.Clone(e.attached)}
		if w, ok := unwrap(c.Opener).(UpdaterURLOpenerWithOptions); ok {
			c.Opener = w.WithOptions(opts)
		}
		out.adapters[scheme] = c
	}
	return out
}

// ValidUpdaterScheme reports whether scheme is registered.
func (m *URLMux) ValidUpdaterScheme(scheme string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.adapters[scheme]
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
	if c, ok := unwrap(o).(UpdaterURLChecker); ok {
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
	if so, ok := unwrap(o).(settings.Opener); ok { // it tells whether it can locate v
		v, err := settings.ParseURL(u.Scheme, u)
		if err != nil {
			return "", "", false, settings.Join(err, so.CheckSettings(v))
		}
		return so.LocateSettings(v)
	}
	l, ok := o.(UpdaterURLLocator)
	if !ok {
		return "", "", false, nil
	}
	root, region, err = l.LocateUpdaterURL(u)
	return root, region, true, err
}

// Settings returns the settings opener of scheme: the one its adapter
// builds on package settings, with the credentials and options set on it.
// A config file's carriers are opened through it, and its Table
// generates the config file's JSON Schema (config.Schema). The error names
// path (a config file's provider key, or "scheme").
func (m *URLMux) Settings(scheme, path string) (settings.Opener, error) {
	o, err := m.lookup(scheme, path)
	if err != nil {
		return nil, err
	}
	if so, ok := unwrap(o).(settings.Opener); ok {
		return so, nil
	}
	return nil, driver.ConfigError("", path, fmt.Sprintf("provider %q does not describe its settings (its opener is not built on package settings): open it with a URL", scheme))
}

func (m *URLMux) opener(u *url.URL) (UpdaterURLOpener, error) { return m.lookup(u.Scheme, "scheme") }

func (m *URLMux) lookup(scheme, path string) (UpdaterURLOpener, error) {
	m.mu.RLock()
	e, ok := m.adapters[scheme]
	m.mu.RUnlock()
	if ok {
		return e.Opener, nil
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
