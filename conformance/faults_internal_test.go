package conformance

import (
	"testing"

	"github.com/carrierkit/carrierkit/participant"
)

// TestFaultRowsDeclareTheirFields: a row that sets request fields declares
// them (needs, or announce for AnnounceURL), so an adapter without one of
// them skips the row instead of failing it with ErrUnsupported.
func TestFaultRowsDeclareTheirFields(t *testing.T) {
	for _, row := range faultRows() {
		if row.edit == nil {
			continue
		}
		var ref participant.Ref
		var req participant.UpdateRequest
		row.edit(&ref, &req)
		declared := row.needs
		if row.announce {
			declared |= participant.NewFieldSet(participant.FieldAnnounceURL)
		}
		if undeclared := req.Fields() &^ declared; undeclared != 0 {
			t.Errorf("row %s sets %v but does not declare them in needs", row.name, undeclared)
		}
	}
}

// TestFailingFaultRowsDeclareDelivery: every row that expects an error
// says how far the update must have got (Error.Delivery), so no adapter
// passes the matrix without reporting it.
func TestFailingFaultRowsDeclareDelivery(t *testing.T) {
	rows := append(faultRows(), vendorRows(Contract{Errors: []ErrorCase{{Status: 404, Code: "x", Want: participant.CodeNotFound}}})...)
	for _, row := range rows {
		if !row.ok && row.delivery == participant.DeliveryUnknown {
			t.Errorf("row %s expects an error but no delivery", row.name)
		}
	}
}
