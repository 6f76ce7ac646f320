package gates

import "encoding/json"

// The CloudFormation structures the gates template is written with, typed
// so that a misspelled property does not compile. Values that may be an
// intrinsic function (an ARN with Fn::GetAtt, a location with Ref) are any.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html

type cfnTemplate struct {
	Description string                  `json:"Description,omitempty"`
	Parameters  map[string]cfnParameter `json:"Parameters,omitempty"`
	Resources   map[string]cfnResource  `json:"Resources"`
}

type cfnParameter struct {
	Type string `json:"Type"`
}

type cfnResource struct {
	Type                string         `json:"Type"`
	DependsOn           []string       `json:"DependsOn,omitempty"`
	DeletionPolicy      string         `json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy,omitempty"`
	Metadata            map[string]any `json:"Metadata,omitempty"`
	Properties          any            `json:"Properties"`
}

// AWS::Logs::LogGroup
type logGroupProps struct {
	LogGroupName    string `json:"LogGroupName"`
	RetentionInDays int    `json:"RetentionInDays"`
}

// AWS::IAM::Role
type roleProps struct {
	Description              string      `json:"Description"`
	RoleName                 string      `json:"RoleName,omitempty"`
	AssumeRolePolicyDocument any         `json:"AssumeRolePolicyDocument"`
	Policies                 []iamPolicy `json:"Policies"`
}

type iamPolicy struct {
	PolicyName     string            `json:"PolicyName"`
	PolicyDocument iamPolicyDocument `json:"PolicyDocument"`
}

type iamPolicyDocument struct {
	Version   string `json:"Version"`
	Statement []any  `json:"Statement"` // Statement, or one with intrinsics
}

// iamStatement is a statement whose resource may be an intrinsic.
type iamStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource any      `json:"Resource"`
}

// AWS::StepFunctions::StateMachine
type stateMachineProps struct {
	StateMachineName     string         `json:"StateMachineName"`
	StateMachineType     string         `json:"StateMachineType"`
	DefinitionString     string         `json:"DefinitionString"`
	RoleArn              string         `json:"RoleArn"`
	TracingConfiguration map[string]any `json:"TracingConfiguration"`
	LoggingConfiguration smLogging      `json:"LoggingConfiguration"`
}

type smLogging struct {
	Level                string          `json:"Level"`
	IncludeExecutionData bool            `json:"IncludeExecutionData"`
	Destinations         []smDestination `json:"Destinations"`
}

type smDestination struct {
	CloudWatchLogsLogGroup struct {
		LogGroupArn string `json:"LogGroupArn"`
	} `json:"CloudWatchLogsLogGroup"`
}

// AWS::Lambda::Function
type functionProps struct {
	FunctionName  string            `json:"FunctionName"`
	Description   string            `json:"Description"`
	Runtime       string            `json:"Runtime"`
	Handler       string            `json:"Handler"`
	Code          map[string]string `json:"Code"`
	Timeout       int               `json:"Timeout"`
	MemorySize    int               `json:"MemorySize"`
	Role          string            `json:"Role"`
	TracingConfig map[string]string `json:"TracingConfig"`
	LoggingConfig map[string]string `json:"LoggingConfig"`
}

// AWS::KMS::Key
type keyProps struct {
	Description       string `json:"Description"`
	EnableKeyRotation bool   `json:"EnableKeyRotation"`
	KeyPolicy         any    `json:"KeyPolicy"`
}

// AWS::CodeBuild::Project
type projectProps struct {
	Name                   string            `json:"Name"`
	Description            string            `json:"Description"`
	ServiceRole            any               `json:"ServiceRole"`
	EncryptionKey          any               `json:"EncryptionKey"`
	TimeoutInMinutes       int               `json:"TimeoutInMinutes"`
	QueuedTimeoutInMinutes int               `json:"QueuedTimeoutInMinutes"`
	Source                 projectSource     `json:"Source"`
	Artifacts              map[string]string `json:"Artifacts"`
	Environment            projectEnv        `json:"Environment"`
	LogsConfig             map[string]any    `json:"LogsConfig"`
}

type projectSource struct {
	Type      string `json:"Type"`
	BuildSpec string `json:"BuildSpec"`
	Location  any    `json:"Location"`
}

type projectEnv struct {
	Type           string `json:"Type"`
	Image          string `json:"Image"`
	ComputeType    string `json:"ComputeType"`
	PrivilegedMode bool   `json:"PrivilegedMode"`
}

// asMap is a typed value as the JSON map the rest of the pipeline reads.
func asMap(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("gates: cannot render a template: " + err.Error()) // strings, numbers and maps of them always marshal
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}
