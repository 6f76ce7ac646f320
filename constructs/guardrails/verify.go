package guardrails

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// Verify synthesizes a Stage (or the App) and runs the rules on its
// templates; the error lists every failure. Use it in tests, or before
// app.Synth in an app that does not use the pipeline package.
func Verify(stage awscdk.Stage, ctx Context) (Report, error) {
	asm := stage.Synth(nil)
	rep, err := CheckAssembly(*asm.Directory(), ctx)
	if err != nil {
		return rep, err
	}
	return rep, rep.Err()
}
