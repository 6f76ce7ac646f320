package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"

	"github.com/handsoff-cdk/handsoff/internal/plan"

	"github.com/spf13/cobra"
)

// resourcesCmd lists the physical resources of an environment's stacks
// with CloudFormation's ListStackResources.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html
func resourcesCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff resources", flag.ContinueOnError)
	from := fs.String("from", "cdk.out", "the synthesized assembly whose plan names the environment's stacks (handsoff plan, or go run of the app, writes it)")
	typ := fs.String("type", "", "only resources of this type, such as AWS::S3::Bucket")
	profile := fs.String("profile", "", "the AWS CLI profile; default: the environment's (SERVICE-ENV, from handsoff profiles)")
	asJSON := fs.Bool("json", false, "print JSON")
	return leaf(&cobra.Command{
		Use:               "resources [flags] ENV",
		ValidArgsFunction: completeEnvironments,
		Short:             "the physical resources of an environment's stacks",
		Long: `Lists the physical resources (names, ARNs, IDs) of the environment's stacks,
read from CloudFormation in the environment's account and region. The
stacks are those the synthesized plan names (cdk.out/handsoff-plan.json,
which handsoff plan writes). Without credentials for the profile it says so
first, with the sign-in command (exit 3); a stack that cannot be read
exits 1.`,
		Args: argsBetween(1, 1, "one environment"),
	}, fs, func(stdout, stderr io.Writer) int {
		if *typ != "" && !strings.Contains(*typ, "::") {
			fmt.Fprintf(stderr, "handsoff resources: --type %q is not a CloudFormation type such as AWS::S3::Bucket\n", *typ)
			return exitMisuse
		}
		pl, err := plan.Read(*from)
		if err != nil {
			return planError(stderr, "handsoff resources", *from, err)
		}
		var env *plan.Environment
		var names []string
		for _, w := range pl.Waves {
			for i, e := range w.Environments {
				names = append(names, e.Name)
				if e.Name == fs.Arg(0) {
					env = &w.Environments[i]
				}
			}
		}
		if env == nil {
			fmt.Fprintf(stderr, "handsoff resources: %q is not an environment of %s; environments: %s\n", fs.Arg(0), pl.Repo, strings.Join(names, ", "))
			return exitMisuse
		}
		if *profile == "" {
			*profile = profileName(pl.Service, env.Name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cfg, code := awsFor(ctx, stderr, "handsoff resources", env.Name, *profile, env.Region)
		if code != exitOK {
			return code
		}
		client := cloudformation.NewFromConfig(cfg)
		type row struct {
			Stack      string `json:"stack"`
			LogicalID  string `json:"logicalId"`
			Type       string `json:"type"`
			PhysicalID string `json:"physicalId"`
			Status     string `json:"status"`
		}
		rows := []row{}
		failed := 0
		stop := progress(stderr, "reading "+strings.Join(env.Stacks, ", "))
		for _, stack := range env.Stacks {
			fmt.Fprintf(stderr, "# aws cloudformation list-stack-resources --stack-name %s --profile %s --region %s\n", stack, *profile, env.Region)
			p := cloudformation.NewListStackResourcesPaginator(client, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					failed++
					fmt.Fprintf(stderr, "handsoff resources: %s: %s\n", stack, explainAWS(err))
					break
				}
				for _, r := range page.StackResourceSummaries {
					if *typ != "" && aws.ToString(r.ResourceType) != *typ {
						continue
					}
					rows = append(rows, row{stack, aws.ToString(r.LogicalResourceId), aws.ToString(r.ResourceType), aws.ToString(r.PhysicalResourceId), string(r.ResourceStatus)})
				}
			}
		}
		stop()
		if *asJSON {
			raw, _ := json.MarshalIndent(rows, "", "  ")
			fmt.Fprintln(stdout, string(raw))
		} else {
			line := func(c ...string) {
				fmt.Fprintln(stdout, strings.TrimRight(fmt.Sprintf("%-24s %-32s %-34s %-18s %s", c[0], c[1], c[2], c[3], c[4]), " "))
			}
			line("STACK", "LOGICAL ID", "TYPE", "STATUS", "PHYSICAL ID")
			for _, r := range rows {
				line(r.Stack, r.LogicalID, r.Type, r.Status, r.PhysicalID)
			}
		}
		if failed > 0 {
			return exitUnreachable // AWS did not answer, or refused
		}
		return exitOK
	})
}

// explainAWS turns an AWS API error into one line with what to do.
func explainAWS(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorCode() + ": " + api.ErrorMessage()
		switch {
		case strings.Contains(api.ErrorMessage(), "does not exist"):
			return msg + " (not deployed yet, or deployed under another name)"
		case api.ErrorCode() == "ExpiredToken" || api.ErrorCode() == "ExpiredTokenException":
			return msg + " (sign in again: aws sso login)"
		case strings.Contains(api.ErrorCode(), "AccessDenied"):
			return msg + " (the profile's role may not read this stack)"
		}
		return msg
	}
	return err.Error()
}
