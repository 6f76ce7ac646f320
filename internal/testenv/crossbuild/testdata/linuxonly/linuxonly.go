//go:build linux

// Package linuxonly builds on Linux only: the cross-build test's negative
// case, which must fail for the other targets.
package linuxonly

// OS names the system.
const OS = "linux"
