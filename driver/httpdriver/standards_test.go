package httpdriver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver/httpdriver"
)

func TestProblemErrors(t *testing.T) {
	decode := httpdriver.ProblemErrors("acme", "error_title")
	code, msg, err := decode([]byte(`{"type":"https://example.com/api-errors#unauthorized","title":"Bad token","detail":"expired",
		"invalid_parameters":[{"name":"to"}]}`))
	assert.Equal(t, "unauthorized", code)
	assert.Equal(t, "Bad token: expired", msg)
	var p *httpdriver.Problem
	require.ErrorAs(t, err, &p)
	assert.Equal(t, "acme error: Bad token: expired", p.Error())
	assert.Equal(t, "to", p.InvalidParameters[0]["name"])

	code, msg, err = decode([]byte(`{"type":"https://example.com/errors/throttled","error_title":"Slow down"}`))
	assert.Equal(t, "throttled", code)
	assert.Equal(t, "Slow down", msg, "the gateway's title key is read when title is absent")
	require.ErrorAs(t, err, &p)

	for _, body := range []string{`<html>bad gateway</html>`, `{"message":"not a problem"}`, `{}`} {
		code, msg, err := decode([]byte(body))
		assert.Empty(t, code+msg, body)
		assert.NoError(t, err, "%s is not the carrier's shape", body)
	}
	_, msg, _ = httpdriver.ProblemErrors("acme", "")([]byte(`{"type":"x","error_title":"ignored"}`))
	assert.Empty(t, msg, "no other title key without titleAlso")
}

func TestHALPage(t *testing.T) {
	decode := httpdriver.HALPage("calls", "record_index")
	pg, err := decode([]byte(`{"_embedded":{"calls":[{"uuid":"a"},{"uuid":"b"}]},
		"_links":{"next":{"href":"/v1/calls?page_size=2&record_index=2"}}}`))
	require.NoError(t, err)
	require.Len(t, pg.Items, 2)
	assert.JSONEq(t, `{"uuid":"a"}`, string(pg.Items[0]))
	assert.Equal(t, "2", pg.Cursor)

	pg, err = decode([]byte(`{"_embedded":{"calls":[]},"_links":{"self":{"href":"/v1/calls"}}}`))
	require.NoError(t, err)
	assert.Empty(t, pg.Cursor, "no next link: the last page")

	for _, body := range []string{`{"_links":{}}`, `{"_embedded":{"legs":[]}}`,
		`{"_embedded":{"calls":[]},"_links":{"next":{"href":"/v1/calls?page_size=2"}}}`, `not json`} {
		_, err := decode([]byte(body))
		assert.Error(t, err, body)
	}
}

// TestProblemErrorWithoutDetail: a problem with a title only reads as its
// title, without an empty detail after it.
func TestProblemErrorWithoutDetail(t *testing.T) {
	_, _, err := httpdriver.ProblemErrors("acme", "")([]byte(`{"type":"https://example.com/errors#throttled","title":"Slow down"}`))
	require.Error(t, err)
	assert.Equal(t, "acme error: Slow down", err.Error())
}
