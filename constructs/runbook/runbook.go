package runbook

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure a runbook.
type Props struct {
	// Document is the runbook. Required.
	Document *Document
	// Name is the SSM document's name: 3 to 128 letters, digits, "_", "-"
	// and ".", not starting with "aws", "amazon" or "amzn" in any case.
	// Changing it replaces the document. Default: a name CloudFormation
	// generates from the stack's name.
	Name string
}

// Runbook is an Automation runbook made by New.
type Runbook interface {
	constructs.IConstruct
	// Resource is the AWS::SSM::Document.
	Resource() awsssm.CfnDocument
	// DocumentName is the document's name: Props.Name as given, or the
	// name CloudFormation generates (the document's Ref).
	DocumentName() *string
}

type runbook struct {
	constructs.Construct
	doc  awsssm.CfnDocument
	name string
}

func (r *runbook) Resource() awsssm.CfnDocument { return r.doc }

func (r *runbook) DocumentName() *string {
	if r.name != "" {
		return jsii.String(r.name)
	}
	return r.doc.Ref()
}

// The AWS::SSM::Document name rules
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-document.html;
// the registry's documentation of Name lists the reserved prefixes aws,
// amazon, amzn, AWSEC2, AWSConfigRemediation and AWSSupport, which the
// first three cover when read without case).
var (
	documentName     = regexp.MustCompile(`^[a-zA-Z0-9_\-.]{3,128}$`)
	reservedPrefixes = []string{"aws", "amazon", "amzn"}
)

// New makes an AWS::SSM::Document of type Automation from props.Document,
// in YAML ([Document.YAML]). A new content makes a new version of the
// document (UpdateMethod NewVersion) rather than a new document.
//
// The document is validated first: each problem, and a bad Name, is
// reported as an error annotation on the construct, which fails synthesis.
// Strings in the document may hold CDK tokens (a role's ARN for
// AssumeRole): they resolve in the template.
func New(scope constructs.Construct, id string, props *Props) Runbook {
	c := constructs.NewConstruct(scope, jsii.String(id))
	var problems []string
	content := "{}\n"
	if props == nil {
		props = &Props{}
	}
	if props.Document == nil {
		problems = append(problems, "Document is required: the runbook to deploy")
	} else {
		if err := props.Document.Validate(); err != nil {
			if ps, ok := err.(Problems); ok {
				for _, p := range ps {
					problems = append(problems, p.String())
				}
			} else {
				problems = append(problems, err.Error())
			}
		}
		if out, err := props.Document.YAML(); err == nil {
			content = string(out)
		}
	}
	problems = append(problems, checkName(c, props.Name)...)

	dp := &awsssm.CfnDocumentProps{
		// A placeholder: the CDK's CfnDocument (2.239) takes only an
		// object for Content, and the content is YAML text, set below.
		Content:      map[string]any{},
		DocumentType: jsii.String("Automation"),
		// YAML, for the inline script of an aws:executeScript step, which
		// AWS's page says JSON runbooks cannot hold (see Document.YAML).
		DocumentFormat: jsii.String("YAML"),
		// Replace, the registry's default, would replace the document on
		// each change of content; NewVersion keeps it and its versions.
		UpdateMethod: jsii.String("NewVersion"),
	}
	if props.Name != "" {
		dp.Name = jsii.String(props.Name)
	}
	doc := awsssm.NewCfnDocument(c, jsii.String("Document"), dp)
	// Content as the YAML text: the registry's Content takes a string as
	// well as an object ("This parameter also supports String data types",
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-document.html),
	// and the CDK's escape hatch puts it there. A token in the text (a
	// role's ARN) resolves in place: the template holds an Fn::Join.
	doc.AddPropertyOverride(jsii.String("Content"), content)
	r := &runbook{Construct: c, doc: doc, name: props.Name}
	for _, p := range problems {
		awscdk.Annotations_Of(c).AddError(jsii.String("handsoff runbook: " + p))
	}
	return r
}

// checkName checks a given name, or, when CloudFormation is to generate
// one from the stack's name, that stack name's prefix.
func checkName(c constructs.Construct, name string) []string {
	if name == "" {
		stack := *awscdk.Stack_Of(c).StackName()
		if *awscdk.Token_IsUnresolved(stack) {
			return nil
		}
		if p := reservedPrefix(stack); p != "" {
			return []string{fmt.Sprintf("Name: CloudFormation would name the document after the stack %q, which starts with %q, a prefix AWS reserves; set Name", stack, p)}
		}
		return nil
	}
	var out []string
	if !documentName.MatchString(name) {
		out = append(out, fmt.Sprintf("Name %q: use 3 to 128 letters, digits, \"_\", \"-\" and \".\"", name))
	}
	if p := reservedPrefix(name); p != "" {
		out = append(out, fmt.Sprintf("Name %q starts with %q, a prefix AWS reserves for its own documents; choose another", name, p))
	}
	return out
}

func reservedPrefix(name string) string {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(strings.ToLower(name), p) {
			return name[:len(p)]
		}
	}
	return ""
}
