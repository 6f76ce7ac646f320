package stages

// Document is the wire form of a configuration-service document, version
// handsoff/v1, exactly as the service serves it. Field names follow the JSON.
// A Document is not validated: use [Parse] to get a [Config], which is.
type Document struct {
	APIVersion    string              `json:"apiVersion"`
	Service       DocService          `json:"service"`
	Pipeline      DocPipeline         `json:"pipeline"`
	FreezeWindows []DocFreezeWindow   `json:"freezeWindows,omitempty"`
	Blackouts     []DocBlackout       `json:"blackouts,omitempty"`
	Checks        map[string]DocCheck `json:"checks,omitempty"`
	Stages        []DocStage          `json:"stages"`
	// Access is optional: how developers sign in to the environments'
	// accounts (handsoff profiles writes AWS CLI profiles from it).
	Access *DocAccess `json:"access,omitempty"`
	// Guardrails is optional: what the platform asks of guardrail
	// exceptions.
	Guardrails *DocGuardrails `json:"guardrails,omitempty"`
}

// DocGuardrails is what the platform asks of guardrail exceptions.
type DocGuardrails struct {
	// ReasonPatterns are Go (RE2) regular expressions that the reason of
	// every guardrails.Suppress must each match somewhere, such as a
	// ticket reference: "\\b[A-Z]+-[0-9]+\\b".
	ReasonPatterns []string `json:"reasonPatterns,omitempty"`
}

// DocAccess says how people reach the accounts of the document.
type DocAccess struct {
	SSO *DocSSO `json:"sso,omitempty"`
}

// DocSSO is an IAM Identity Center sign-in: its start URL, the region of
// the Identity Center instance, and the permission set (role) developers
// use in every account.
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sso.html
type DocSSO struct {
	StartURL string `json:"startUrl"`
	Region   string `json:"region"`
	RoleName string `json:"roleName"`
}

// DocService names the service and the tags every resource carries.
type DocService struct {
	Repo  string            `json:"repo"`
	Name  string            `json:"name"`
	Owner string            `json:"owner"`
	Tags  map[string]string `json:"tags,omitempty"`
}

// DocPipeline says where the pipeline itself lives and what it listens to.
type DocPipeline struct {
	Account              string `json:"account"`
	Region               string `json:"region"`
	ConnectionArn        string `json:"connectionArn"`
	Branch               string `json:"branch,omitempty"`
	NotificationTopicArn string `json:"notificationTopicArn,omitempty"`
	// StatusURL is the configuration service's base URL (https), to which
	// the pipeline reports its stages' states; StatusTokenSecretArn is the
	// Secrets Manager secret that holds the pipeline's token for it. Both
	// or neither.
	StatusURL            string `json:"statusUrl,omitempty"`
	StatusTokenSecretArn string `json:"statusTokenSecretArn,omitempty"`
}

// DocFreezeWindow is a recurring window in which no stage may start.
type DocFreezeWindow struct {
	Name      string   `json:"name"`
	Timezone  string   `json:"timezone"`
	Days      []string `json:"days"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	AppliesTo []string `json:"appliesTo"`
}

// DocBlackout is an absolute range of time with no deployments.
type DocBlackout struct {
	Name      string   `json:"name"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	AppliesTo []string `json:"appliesTo"`
}

// DocCheck is a named validation test. Which fields apply depends on Type.
type DocCheck struct {
	Type         string   `json:"type"`
	URL          string   `json:"url,omitempty"`
	ExpectStatus int      `json:"expectStatus,omitempty"`
	Timeout      string   `json:"timeout,omitempty"`
	Retries      *int     `json:"retries,omitempty"`
	Commands     []string `json:"commands,omitempty"`
	FunctionArn  string   `json:"functionArn,omitempty"`
}

// DocStage is one of alpha, beta, gamma, prod.
type DocStage struct {
	Name         string           `json:"name"`
	Environments []DocEnvironment `json:"environments,omitempty"`
	Waves        []DocWave        `json:"waves,omitempty"`
	Checks       []string         `json:"checks,omitempty"`
	Bake         string           `json:"bake,omitempty"`
	Approval     bool             `json:"approval,omitempty"`
	Alarms       []string         `json:"alarms,omitempty"`
}

// DocWave is an explicit prod wave.
type DocWave struct {
	Name         string           `json:"name"`
	Bake         string           `json:"bake,omitempty"`
	Environments []DocEnvironment `json:"environments"`
}

// DocEnvironment is one deployment target: an account and a region.
type DocEnvironment struct {
	Name    string   `json:"name"`
	Account string   `json:"account"`
	Region  string   `json:"region"`
	OneBox  bool     `json:"onebox,omitempty"`
	Alarms  []string `json:"alarms,omitempty"`
}
