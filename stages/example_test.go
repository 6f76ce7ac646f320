package stages_test

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Parse validates a document and plans its waves.
func ExampleParse() {
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	prod, _ := cfg.Stage(stages.Prod)
	for _, w := range prod.Waves {
		fmt.Printf("%s: %d environment(s), bake %s\n", w.Name, len(w.Environments), stages.FormatDuration(w.Bake))
	}
	// Output:
	// onebox: 1 environment(s), bake 1h
	// wave-1: 1 environment(s), bake 2h
	// wave-2: 3 environment(s), bake 1h
}

// Every problem comes back at once, each with the path of its field.
func ExampleParse_problems() {
	doc := []byte(`{"apiVersion": "handsoff/v1", "service": {"repo": "acme/orders", "name": "orders", "owner": "team"},
	  "pipeline": {"account": "111111111111", "region": "us-east-1",
	    "connectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/abc"},
	  "stages": [{"name": "gamma", "environments": [{"name": "g", "account": "3333", "regoin": "us-east-1"}]}]}`)
	_, err := stages.Parse(doc, "handsoff.json")
	fmt.Println(err)
	// Output:
	// handsoff: configuration handsoff.json has 4 problems:
	//   - stages[0].environments[0].regoin: unknown field (did you mean "region"?); known fields here: account, alarms, name, onebox, region
	//   - stages[0].environments[0].account: "3333" is not a 12-digit AWS account ID
	//   - stages[0].environments[0].region: is required: an AWS Region such as "us-east-1"
	//   - stages: has no "prod" stage; gamma and prod are required
}
