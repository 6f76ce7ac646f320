package gates

// The CodePipeline structures the gates add to the built pipeline, in
// CloudFormation's shape (AWS::CodePipeline::Pipeline), typed so that a
// misspelled key does not compile. Configuration values are strings, or a
// CloudFormation intrinsic where a value is only known at deploy time (a
// role ARN with the partition), hence any.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codepipeline-pipeline-actiondeclaration.html

// Action is one action of a pipeline stage.
type Action struct {
	Name           string         `json:"Name"`
	ActionTypeId   ActionType     `json:"ActionTypeId"`
	Configuration  map[string]any `json:"Configuration"`
	InputArtifacts []Artifact     `json:"InputArtifacts,omitempty"`
	Region         string         `json:"Region,omitempty"`
	RoleArn        any            `json:"RoleArn,omitempty"`
	RunOrder       int            `json:"RunOrder"`
}

// ActionType identifies an action's or a rule's provider.
type ActionType struct {
	Category string `json:"Category"`
	Owner    string `json:"Owner"`
	Provider string `json:"Provider"`
	Version  string `json:"Version"`
}

// Artifact names an input artifact.
type Artifact struct {
	Name string `json:"Name"`
}

// BeforeEntry is a stage's entry condition.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codepipeline-pipeline-beforeentryconditions.html
type BeforeEntry struct {
	Conditions []Condition `json:"Conditions"`
}

// Condition is a result and the rules that decide it.
type Condition struct {
	Result string `json:"Result"`
	Rules  []Rule `json:"Rules,omitempty"`
}

// OnFailure is a stage's failure condition.
type OnFailure struct {
	Result string `json:"Result"`
}

// Rule is one rule of a condition.
type Rule struct {
	Name          string            `json:"Name"`
	RuleTypeId    ActionType        `json:"RuleTypeId"`
	Configuration map[string]string `json:"Configuration"`
}

func invoke(provider string) ActionType {
	return ActionType{Category: "Invoke", Owner: "AWS", Provider: provider, Version: "1"}
}
