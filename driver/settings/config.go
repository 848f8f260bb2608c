package settings

import (
	"reflect"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
)

// CheckConfig checks a Config set in code against the table, as an
// adapter's New does before anything else, and returns the first problem,
// naming the Config field (the opener renames it to where it was given):
//   - a field with a direct parameter (account, region, base_url) meets
//     that row's Check; an empty value is checked only when the field is
//     required (a row of it has a non-Optional Env); a field whose Unless
//     parameter's field is set is not used, so not checked;
//   - a field given only through an environment variable (a credential),
//     outside a group of alternatives, must be set and be text
//     (httpdriver.CheckSecret); alternatives are the adapter's to check;
//   - the Options field meets driver.Options.Check.
func (s Spec[C]) CheckConfig(cfg C) error {
	c := reflect.ValueOf(cfg)
	text := func(field string) string {
		if f := c.FieldByName(field); f.Kind() == reflect.String {
			return f.String()
		}
		return ""
	}
	done := map[string]bool{}
	for _, p := range s.Params {
		if done[p.Field] {
			continue
		}
		done[p.Field] = true
		if u := s.row(p.Unless); u != nil && text(u.Field) != "" {
			continue // the Unless field wins: this one is not used
		}
		direct, required := s.direct(p.Field)
		v := text(p.Field)
		switch {
		case direct != nil && direct.Check != nil && (v != "" || required):
			if rule := direct.Check(v); rule != "" {
				return driver.ConfigError(s.Name, p.Field, rule)
			}
		case direct == nil && required && p.Alt == "" && c.FieldByName(p.Field).Kind() == reflect.String:
			if err := httpdriver.CheckSecret(s.Name, p.Field, v); err != nil {
				return err
			}
		}
	}
	if f := c.FieldByName("Options"); f.IsValid() {
		return f.Interface().(driver.Options).Check(s.Name)
	}
	return nil
}

// direct returns field's row that gives its value itself (not through a
// variable or a file), if any, and whether the field is required.
func (s Spec[C]) direct(field string) (direct *Param, required bool) {
	for i, p := range s.Params {
		if p.Field != field {
			continue
		}
		if !p.indirect() && direct == nil {
			direct = &s.Params[i]
		}
		required = required || p.Env != "" && !p.Optional
	}
	return direct, required
}

func (s Spec[C]) row(name string) *Param {
	for i := range s.Params {
		if name != "" && s.Params[i].Name == name {
			return &s.Params[i]
		}
	}
	return nil
}
