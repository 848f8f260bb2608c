//go:build carrierkit_spec

package main

import "github.com/carrierkit/carrierkit/internal/spectest"

// The carrierkit_spec build checks conformance's answers against the
// vendors' OpenAPI specs (spec.response-shape). It links kin-openapi, so
// the released carrierctl leaves it out.
func init() { openSpecCheck = spectest.ResponseCheck }
