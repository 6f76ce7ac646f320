// Package assembly reads what handsoff needs of a CDK cloud assembly's
// manifest.json.
package assembly

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Manifest is the part of a cloud assembly manifest handsoff reads.
type Manifest struct {
	Artifacts map[string]Artifact `json:"artifacts"`
}

// Artifact is one artifact of the assembly: a stack, an asset manifest, a
// nested assembly.
type Artifact struct {
	Type string `json:"type"` // "aws:cloudformation:stack" for stacks
	// Environment is "aws://{account}/{region}" for a stack.
	Environment string `json:"environment"`
	Properties  struct {
		TemplateFile string `json:"templateFile"`
		// StackName is the stack's name in CloudFormation; empty means
		// the artifact's ID.
		StackName string `json:"stackName"`
		// DirectoryName is a nested assembly's directory.
		DirectoryName string `json:"directoryName"`
	} `json:"properties"`
	// DisplayName is a stack's construct path ("orders-alpha/Service").
	DisplayName string `json:"displayName"`
	// Metadata are the entries (logical ids, annotations) by construct
	// path, such as "/orders-alpha/Service/Bucket/Resource".
	Metadata map[string][]Entry `json:"metadata"`
}

// Entry is one metadata entry: "aws:cdk:logicalId" with the logical id as
// data, "aws:cdk:error" and "aws:cdk:warning" with the message.
type Entry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// Read reads dir/manifest.json; a missing manifest is an error that
// errors.Is(err, fs.ErrNotExist) reports.
func Read(dir string) (*Manifest, error) {
	path := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}
