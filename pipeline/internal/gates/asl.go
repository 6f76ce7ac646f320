package gates

// The Amazon States Language structures the validation state machine uses
// (https://states-language.net/spec.html), typed so that a misspelled field
// does not compile. Parameters and ResultSelector are payload templates:
// their keys are the state machine's, with ".$" for paths.

type aslMachine struct {
	Comment        string              `json:"Comment,omitempty"`
	StartAt        string              `json:"StartAt"`
	TimeoutSeconds int                 `json:"TimeoutSeconds,omitempty"`
	States         map[string]aslState `json:"States"`
}

type aslState struct {
	Type           string         `json:"Type"`
	Comment        string         `json:"Comment,omitempty"`
	Resource       string         `json:"Resource,omitempty"`
	Parameters     map[string]any `json:"Parameters,omitempty"`
	ResultSelector map[string]any `json:"ResultSelector,omitempty"`
	TimeoutSeconds int            `json:"TimeoutSeconds,omitempty"`
	Retry          []aslRetry     `json:"Retry,omitempty"`
	Catch          []aslCatch     `json:"Catch,omitempty"`
	Branches       []aslMachine   `json:"Branches,omitempty"`
	Choices        []aslChoice    `json:"Choices,omitempty"`
	Default        string         `json:"Default,omitempty"`
	Error          string         `json:"Error,omitempty"`
	Cause          string         `json:"Cause,omitempty"`
	ErrorPath      string         `json:"ErrorPath,omitempty"`
	CausePath      string         `json:"CausePath,omitempty"`
	Next           string         `json:"Next,omitempty"`
	End            bool           `json:"End,omitempty"`
}

type aslRetry struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds int      `json:"IntervalSeconds"`
	BackoffRate     float64  `json:"BackoffRate"`
	MaxAttempts     int      `json:"MaxAttempts"`
}

type aslCatch struct {
	ErrorEquals []string `json:"ErrorEquals"`
	ResultPath  string   `json:"ResultPath,omitempty"`
	Next        string   `json:"Next"`
}

type aslChoice struct {
	Variable      string `json:"Variable"`
	BooleanEquals *bool  `json:"BooleanEquals,omitempty"`
	Next          string `json:"Next"`
}
