// Package crossbuild holds the test that every package of the module
// compiles for the systems service teams build on: macOS (arm64, amd64),
// Windows (amd64) and Linux (amd64, arm64). A library that builds only on
// Linux fails every team with a Mac at "build constraints exclude all Go
// files".
package crossbuild
