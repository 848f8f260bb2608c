// Package apicheck holds the test that keeps internal types out of the
// public API: no exported identifier of a public package of this module (a
// func, method, type, field, var, const, alias or embedded field, including
// methods and fields promoted from unexported embedded types) may name a
// type of an internal/... package, so a user never meets a type they
// cannot name.
package apicheck
