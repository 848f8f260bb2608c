package main

import "github.com/carrierkit/carrierkit/internal/spectest"

// The tests run conformance with the OpenAPI check, as the carrierkit_spec
// build does; TestSpecCheckLeftOut runs it without, as released.
func init() { openSpecCheck = spectest.ResponseCheck }
