package upgrade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/assembly"
)

// Templates reads every template of a cloud assembly, nested assemblies
// included, keyed as Compare wants them: a stack the manifests list by
// "{account}/{region}/{stackName}", as CloudFormation knows it, so that a
// stack the assembly writes elsewhere is still the same stack; a template
// no manifest lists (handsoff's gates stacks, which the pipeline deploys
// itself) by "file:{path}" relative to dir.
func Templates(dir string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	listed := map[string]bool{}
	var visit func(sub string, depth int) error
	visit = func(sub string, depth int) error {
		if depth > 8 {
			return fmt.Errorf("%s: nested assemblies deeper than 8", sub)
		}
		m, err := assembly.Read(filepath.Join(dir, sub))
		if err != nil {
			return err
		}
		for id, a := range m.Artifacts {
			switch a.Type {
			case "cdk:cloud-assembly":
				if err := visit(filepath.Join(sub, a.Properties.DirectoryName), depth+1); err != nil {
					return err
				}
			case "aws:cloudformation:stack":
				name := a.Properties.StackName
				if name == "" {
					name = id
				}
				env := strings.TrimPrefix(a.Environment, "aws://")
				key := env + "/" + name
				rel := filepath.Join(sub, a.Properties.TemplateFile)
				t, err := readTemplate(filepath.Join(dir, rel))
				if err != nil {
					return err
				}
				if _, dup := out[key]; dup {
					return fmt.Errorf("%s: two artifacts deploy stack %s", dir, key)
				}
				out[key] = t
				listed[filepath.ToSlash(rel)] = true
			}
		}
		return nil
	}
	if err := visit(".", 0); err != nil {
		return nil, err
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "asset.") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(dir, path)
		if !strings.HasSuffix(path, ".template.json") || listed[filepath.ToSlash(rel)] {
			return nil
		}
		t, err := readTemplate(path)
		if err == nil {
			out["file:"+filepath.ToSlash(rel)] = t
		}
		return err
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no templates in %s", dir)
	}
	return out, err
}

// readTemplate reads a template exactly: numbers as written (a float64
// would make 9007199254740993 equal to 9007199254740992), and a key given
// twice is refused (encoding/json would keep the last silently, and what
// CloudFormation does is not documented).
func readTemplate(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := noDuplicateKeys(json.NewDecoder(bytes.NewReader(raw)), "$"); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var t map[string]any
	if err := d.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// noDuplicateKeys reads one JSON value and fails on an object that gives
// a key twice, naming its path.
func noDuplicateKeys(d *json.Decoder, path string) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '{':
		seen := map[string]bool{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			if seen[k] {
				return fmt.Errorf("%s: the key %q is given twice", path, k)
			}
			seen[k] = true
			if err := noDuplicateKeys(d, path+"."+k); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; d.More(); i++ {
			if err := noDuplicateKeys(d, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	_, err = d.Token() // the closing delimiter
	return err
}
