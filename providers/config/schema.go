package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/message"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/providers"
)

// SchemaFile is the name the published schema is checked in under, next
// to this package: a config file names it in "$schema" so that editors
// complete and check it.
const SchemaFile = "carrierkit.schema.json"

// maxCount is the largest count the router's breaker takes: gobreaker
// counts in uint32, and the setting is an int (32 bits on some platforms).
const maxCount = min(math.MaxUint32, math.MaxInt)

// rules are the words of a problem with a numeric key, whatever keyword
// found it (a fraction, a number out of range).
var rules = map[string]string{
	driver.ParamMaxRetries: "must be a whole number from 0 to 100",
	"failures":             "must be a positive whole number up to " + strconv.Itoa(maxCount),
	"probes":               "must be a positive whole number up to " + strconv.Itoa(maxCount),
	"instances":            "must be a positive whole number up to " + strconv.Itoa(maxCount),
	"requests":             "must be a positive whole number up to " + strconv.Itoa(maxCount),
	"burst":                "must be a positive whole number up to " + strconv.Itoa(maxCount),
	"url":                  "the URL may hold a password: put it in an environment variable and name it in url_env",
}

type obj = map[string]any

// Schema returns the JSON Schema of a config file for mux's providers
// (nil: providers.DefaultURLMux()), generated from their settings tables.
// The one for the built-in providers is published as SchemaFile.
func Schema(mux *providers.URLMux) ([]byte, error) {
	b, err := json.MarshalIndent(schemaDoc(mux), "", "  ")
	return append(b, '\n'), err
}

func schemaDoc(mux *providers.URLMux) obj {
	if mux == nil {
		mux = providers.DefaultURLMux()
	}
	str := func(desc string) obj { return obj{"type": "string", "description": desc} }
	count := func(desc string) obj {
		return obj{"type": "integer", "minimum": 1, "maximum": maxCount, "description": desc}
	}
	duration := func(desc string) obj {
		return obj{"type": "string", "description": desc + ", a Go duration such as 500ms or 30s"}
	}
	defs := obj{
		"retry": obj{"type": "object", "additionalProperties": false, "description": "the retry policy", "properties": obj{
			driver.ParamMaxRetries:    obj{"type": "integer", "minimum": 0, "maximum": 100, "description": "retries after the first attempt"},
			driver.ParamWaitMin:       duration("shortest backoff"),
			driver.ParamWaitMax:       duration("longest backoff"),
			driver.ParamMaxRetryAfter: duration("cap on a carrier's Retry-After"),
		}},
		"timeouts": obj{"type": "object", "additionalProperties": false, "description": "time bounds (0: the default)", "properties": obj{
			driver.ParamAttemptTimeout: duration("bound on one HTTP attempt"),
			driver.ParamTimeout:        duration("bound on a whole call"),
		}},
		"list": obj{"type": "array", "minItems": 1, "items": obj{"type": "string", "minLength": 1}},
		"breaker": obj{"type": "object", "additionalProperties": false, "description": "the router's breaker per endpoint", "properties": obj{
			"failures":  count("consecutive unhealthy-endpoint failures that open the breaker"),
			"cool_down": duration("how long an open breaker waits before probing"),
			"probes":    count("requests a half-open breaker lets through"),
		}},
		"failover": obj{"type": "object", "additionalProperties": false, "properties": obj{
			"attempt_timeout": duration("bound on one endpoint attempt"),
		}},
		"redis": obj{"type": "object", "additionalProperties": false, "required": []string{"url_env"}, "properties": obj{
			"url_env":   obj{"type": "string", "minLength": 1, "description": "variable holding the redis:// URL"},
			"url":       false,
			"prefix":    str("key prefix"),
			"instances": count("instances sharing each account's limit"),
			"fallback":  obj{"enum": []string{"local", "fail_closed"}, "description": "what to do while Redis is unreachable"},
			"timeout":   duration("bound on one Redis call"),
			"lease":     duration("how long an instance's share is held"),
			"rate": obj{"type": "object", "additionalProperties": false, "required": []string{"requests", "period"}, "properties": obj{
				"requests": count("requests per period"), "burst": count("requests allowed at once"), "period": duration("the period"),
			}},
		}},
	}
	common := obj{
		"provider": obj{"type": "string", "minLength": 1, "enum": mux.Schemes(), "description": "the adapter"},
		"credentials": obj{"type": "object", "additionalProperties": obj{"type": "string"},
			"description": "the environment variables that hold the credentials (secrets never go in the file)"},
		"retry": obj{"$ref": "#/definitions/retry"}, "timeouts": obj{"$ref": "#/definitions/timeouts"},
		"breaker": obj{"$ref": "#/definitions/breaker"}, "failover": obj{"$ref": "#/definitions/failover"},
		"endpoints": obj{"$ref": "#/definitions/list", "description": "API roots to fail over between, in order"},
		"edges":     obj{"$ref": "#/definitions/list", "description": "edges of the region to fail over between, in order"},
	}
	var providerOf []any
	for _, scheme := range mux.Schemes() {
		o, err := mux.Settings(scheme, "provider")
		if err != nil {
			continue // opened by URL only
		}
		props, creds := maps.Clone(common), obj{}
		props["provider"] = obj{"const": scheme}
		delete(props, "endpoints")
		delete(props, "edges")
		for _, p := range o.Table().Params {
			desc := p.Help
			switch {
			case strings.HasSuffix(p.Name, "_env"):
				if p.Env != "" {
					desc += " (default " + p.Env + ")"
				}
				creds[p.Name] = obj{"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": desc}
				continue
			case p.Env != "":
				desc += " (default $" + p.Env + ")"
			}
			props[p.Name] = str(desc)
			switch p.Name {
			case "base_url":
				props["endpoints"] = common["endpoints"]
			case "edge":
				props["edges"] = common["edges"]
			}
		}
		props["credentials"] = obj{"type": "object", "additionalProperties": false, "properties": creds}
		defs[scheme] = obj{"type": "object", "additionalProperties": false, "properties": props}
		providerOf = append(providerOf, obj{"if": obj{"properties": obj{"provider": obj{"const": scheme}}, "required": []string{"provider"}},
			"then": obj{"$ref": "#/definitions/" + scheme}})
	}
	carrier := obj{"type": "object", "required": []string{"provider"}, "properties": common,
		"additionalProperties": obj{"type": "string"}}
	if len(providerOf) > 0 {
		carrier["allOf"] = providerOf
	}
	defs["carrier"] = carrier
	return obj{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "carrierkit config file",
		"type":                 "object",
		"required":             []string{"carriers"},
		"additionalProperties": false,
		"properties": obj{
			"$schema": obj{"type": "string", "description": "this schema, for editors: " + SchemaFile},
			"carriers": obj{"type": "object", "minProperties": 1, "description": "the carriers by name",
				"propertyNames":        obj{"pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$"},
				"additionalProperties": obj{"$ref": "#/definitions/carrier"}},
			"coordination": obj{"type": "object", "additionalProperties": false, "properties": obj{"redis": obj{"$ref": "#/definitions/redis"}}},
		},
		"definitions": defs,
	}
}

// validate checks data against mux's schema, reporting each problem at its
// JSON path in words of this package.
func validate(data []byte, mux *providers.URLMux, ps *problems) (ok bool) {
	doc, sch, err := compiled(mux)
	if err != nil {
		ps.fail("", "schema: "+err.Error())
		return false
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		ps.fail("", syntaxError(data, err))
		return false
	}
	verr, ok := sch.Validate(inst).(*jsonschema.ValidationError)
	if !ok {
		return true
	}
	// One problem a path: a value's type error says it all, then an empty
	// string; else the first found.
	best := map[string]problem{}
	var order []string
	leaves(verr, func(e *jsonschema.ValidationError) {
		for _, p := range describe(e, doc, mux) {
			if old, ok := best[p.path]; !ok || p.rank < old.rank {
				if !ok {
					order = append(order, p.path)
				}
				best[p.path] = p
			}
		}
	})
	for _, path := range order {
		ps.fail(path, best[path].msg)
	}
	return len(order) == 0
}

// problem is a schema error in this package's words; rank orders the
// problems found at one path (lowest wins).
type problem struct {
	path, msg string
	rank      int
}

// schemas caches the compiled schemas by their text: compiling checks a
// schema against its metaschema, which costs far more than generating it.
var schemas sync.Map // string (the schema's JSON) -> *jsonschema.Schema

// compiled returns mux's schema document and its compiled form.
func compiled(mux *providers.URLMux) (obj, *jsonschema.Schema, error) {
	doc := schemaDoc(mux)
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, err
	}
	if sch, ok := schemas.Load(string(b)); ok {
		return doc, sch.(*jsonschema.Schema), nil
	}
	// The compiler takes the document as plain JSON values.
	plain, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaFile, plain); err != nil {
		return nil, nil, err
	}
	sch, err := c.Compile(SchemaFile)
	if err != nil {
		return nil, nil, err
	}
	schemas.Store(string(b), sch)
	return doc, sch, nil
}

// leaves calls f for each innermost error of e: the keyword that failed.
func leaves(e *jsonschema.ValidationError, f func(*jsonschema.ValidationError)) {
	if _, ok := e.ErrorKind.(*kind.PropertyNames); ok || len(e.Causes) == 0 {
		f(e)
		return
	}
	for _, c := range e.Causes {
		leaves(c, f)
	}
}

// describe returns each problem e reports as its path and message.
func describe(e *jsonschema.ValidationError, doc obj, mux *providers.URLMux) []problem {
	path := pathOf(e.InstanceLocation)
	at := func(key string) string { return strings.TrimPrefix(path+"."+key, ".") }
	last := ""
	if n := len(e.InstanceLocation); n > 0 {
		last = e.InstanceLocation[n-1]
	}
	registered := "(registered: " + strings.Join(mux.Schemes(), ", ") + ")"
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		if r, ok := rules[last]; ok {
			return []problem{{path, r, 0}}
		}
		words := map[string]string{"object": "a JSON object", "array": "an array of strings", "string": "a string", "integer": "a whole number"}
		return []problem{{path, "must be " + words[k.Want[0]], 0}}
	case *kind.Required:
		var out []problem
		for _, m := range k.Missing {
			switch {
			case m == "carriers":
				out = append(out, problem{at(m), "is required: an object of carriers by name", 2})
			case m == "provider":
				out = append(out, problem{at(m), "is required " + registered, 2})
			case m == "url_env":
				out = append(out, problem{at(m), "is required: the environment variable holding the redis:// URL", 2})
			case m == "requests":
				out = append(out, problem{at(m), "is required: how many requests per period", 2})
			case m == "period":
				out = append(out, problem{at(m), "is required: a duration such as \"1s\"", 2})
			default:
				out = append(out, problem{at(m), "is required", 2})
			}
		}
		return out
	case *kind.AdditionalProperties:
		accepted := acceptedAt(doc, e.SchemaURL)
		var out []problem
		for _, p := range k.Properties {
			msg := "unknown key (accepted: " + strings.Join(accepted, ", ") + ")"
			switch {
			case last == "credentials" && !strings.HasSuffix(p, "_env"):
				msg = "credentials name environment variables: keys end in _env, e.g. auth_token_env"
			case last == "credentials":
				msg = "unknown credential (accepted: " + strings.Join(accepted, ", ") + ")"
			case len(e.InstanceLocation) == 2 && strings.HasSuffix(p, "_env"):
				msg = "belongs in credentials"
			case len(e.InstanceLocation) == 2 && slices.Contains(driver.RetryParams(), p):
				msg = "belongs in retry"
			case len(e.InstanceLocation) == 2 && slices.Contains(driver.TimeoutParams(), p):
				msg = "belongs in timeouts"
			}
			out = append(out, problem{at(p), msg, 2})
		}
		return out
	case *kind.Enum:
		if last == "provider" && k.Got == "" {
			return []problem{{path, "must not be empty", 1}}
		}
		if last == "provider" {
			return []problem{{path, fmt.Sprintf("unknown provider %q %s", k.Got, registered), 2}}
		}
		var want []string
		for _, w := range k.Want {
			want = append(want, strconv.Quote(fmt.Sprint(w)))
		}
		return []problem{{path, "must be " + strings.Join(want, " or "), 2}}
	case *kind.Minimum, *kind.Maximum:
		if r, ok := rules[last]; ok {
			return []problem{{path, r, 0}}
		}
	case *kind.MinLength:
		return []problem{{path, "must not be empty", 1}}
	case *kind.MinItems:
		return []problem{{path, "must list at least one", 2}}
	case *kind.MinProperties:
		return []problem{{path, "names no carrier", 2}}
	case *kind.PropertyNames:
		return []problem{{at(k.Property), "carrier names are letters, digits, _ and -", 2}}
	case *kind.FalseSchema:
		if r, ok := rules[last]; ok {
			return []problem{{path, r, 0}}
		}
		return []problem{{path, "is not allowed", 2}}
	case *kind.Pattern:
		if len(e.InstanceLocation) > 2 && e.InstanceLocation[len(e.InstanceLocation)-2] == "credentials" {
			return []problem{{path, "must be an environment variable name (letters, digits and _, not starting with a digit); " +
				"the value is not repeated here, as it may be a credential", 2}}
		}
	}
	return []problem{{path, e.ErrorKind.LocalizedString(message.NewPrinter(message.MatchLanguage("en"))), 2}}
}

// pathOf returns an instance location as a JSON path: carriers.us.edges[1].
func pathOf(loc []string) string {
	var b strings.Builder
	for i, tok := range loc {
		switch {
		case i > 0 && (loc[i-1] == "endpoints" || loc[i-1] == "edges"):
			b.WriteString("[" + tok + "]")
		case i > 0:
			b.WriteString("." + tok)
		default:
			b.WriteString(tok)
		}
	}
	return b.String()
}

// acceptedAt lists the properties of the schema at url's fragment, sorted.
func acceptedAt(doc obj, url string) []string {
	_, frag, _ := strings.Cut(url, "#")
	var node any = doc
	for _, tok := range strings.Split(strings.Trim(frag, "/"), "/") {
		if m, ok := node.(obj); ok && tok != "" {
			node = m[tok]
		}
	}
	m, _ := node.(obj)
	props, _ := m["properties"].(obj)
	return slices.Sorted(maps.Keys(props))
}
