package httpdriver

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// Problem is an RFC 7807 problem details body (application/problem+json),
// the error shape of carriers such as Vonage. errors.As reaches it from
// the *participant.Error of a failure whose answer carried one.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
	// InvalidParameters is the common extension that names the refused
	// request fields.
	InvalidParameters []map[string]any `json:"invalid_parameters,omitempty"`

	provider string
}

// Error returns the provider, the title and the detail (when there is one).
func (e *Problem) Error() string { return e.provider + " error: " + e.message() }

// message is the title, then the detail when there is one.
func (e *Problem) message() string {
	if e.Detail == "" {
		return e.Title
	}
	return e.Title + ": " + e.Detail
}

// Code returns the short code the problem type ends in: "unauthorized" of
// https://developer.vonage.com/api-errors#unauthorized.
func (e *Problem) Code() string {
	if i := strings.LastIndexAny(e.Type, "#/"); i+1 < len(e.Type) {
		return e.Type[i+1:]
	}
	return e.Type
}

// ProblemErrors returns a Dialect.DecodeError for RFC 7807 bodies: the
// vendor code is Problem.Code and the message the title and detail. A body
// with neither type nor title is not the carrier's shape. titleAlso, when
// set, is a key read for the title when "title" is absent (a gateway in
// front of the API that answers {type, error_title}).
func ProblemErrors(provider, titleAlso string) func(body []byte) (code, message string, vendorErr error) {
	return func(body []byte) (string, string, error) {
		e := &Problem{provider: provider}
		if json.Unmarshal(body, e) != nil {
			return "", "", nil
		}
		if e.Title == "" && titleAlso != "" {
			var other map[string]any
			_ = json.Unmarshal(body, &other)
			e.Title, _ = other[titleAlso].(string)
		}
		if e.Type == "" && e.Title == "" {
			return "", "", nil
		}
		return e.Code(), e.message(), e
	}
}

// HALPage returns a DecodePage for a HAL list answer (application/hal+json):
// the items are _embedded.{items}, and the next page is asked for with the
// cursor parameter found in _links.next.href (Vonage's record_index). An
// answer without _embedded.{items} is an error; one without _links.next
// is the last page.
func HALPage(items, cursor string) func(body []byte) (Page, error) {
	return func(body []byte) (Page, error) {
		var r struct {
			Embedded map[string][]json.RawMessage `json:"_embedded"`
			Links    struct {
				Next *struct {
					Href string `json:"href"`
				} `json:"next"`
			} `json:"_links"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return Page{}, err
		}
		list, ok := r.Embedded[items]
		if !ok {
			return Page{}, errors.New("no _embedded " + items + " in the list answer")
		}
		pg := Page{Items: list}
		if r.Links.Next != nil {
			u, err := url.Parse(r.Links.Next.Href)
			if err == nil {
				pg.Cursor = u.Query().Get(cursor)
			}
			if pg.Cursor == "" {
				return Page{}, errors.New("the next page link has no " + cursor)
			}
		}
		return pg, nil
	}
}
