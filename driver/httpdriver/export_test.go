package httpdriver

import "github.com/carrierkit/carrierkit/participant"

// Prepare is what an update costs before sending: the neutral validation
// (carrierkit.Client's), then the driver's account and vendor id checks
// with URL building, and the body encoding.
func (c *Driver) Prepare(ref participant.Ref, req *participant.UpdateRequest) (url string, body []byte, err error) {
	if err := participant.Validate(req, c.caps); err != nil {
		return "", nil, err
	}
	r, _, err := c.prepareUpdate(ref, req)
	if err != nil {
		return "", nil, err
	}
	return r.URL, r.Body, nil
}
