package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/plan"
)

// fakeCloudFormation answers ListStackResources as CloudFormation's query
// API does (responses recorded from the API reference's examples): the
// first stack in two pages, the second not deployed.
func fakeCloudFormation(t *testing.T) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	member := func(id, typ, phys string) string {
		return "<member><ResourceStatus>CREATE_COMPLETE</ResourceStatus><LogicalResourceId>" + id + "</LogicalResourceId><LastUpdatedTimestamp>2026-11-20T10:00:00Z</LastUpdatedTimestamp><PhysicalResourceId>" + phys + "</PhysicalResourceId><ResourceType>" + typ + "</ResourceType></member>"
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		seen = append(seen, r.Form.Get("Action")+" "+r.Form.Get("StackName")+" "+r.Form.Get("NextToken")+" "+strings.Fields(r.Header.Get("Authorization") + " x")[0])
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		stack, token := r.Form.Get("StackName"), r.Form.Get("NextToken")
		switch {
		case stack == "orders-alpha" && token == "":
			fmt.Fprint(w, `<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStackResourcesResult><StackResourceSummaries>`+
				member("Data", "AWS::S3::Bucket", "orders-alpha-data-1x2y3z")+member("Queue", "AWS::SQS::Queue", "https://sqs.us-east-1.amazonaws.com/222222222222/orders-alpha-Queue")+
				`</StackResourceSummaries><NextToken>page-2</NextToken></ListStackResourcesResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ListStackResourcesResponse>`)
		case stack == "orders-alpha":
			fmt.Fprint(w, `<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStackResourcesResult><StackResourceSummaries>`+
				member("Logs", "AWS::S3::Bucket", "orders-alpha-logs-9z8y")+
				`</StackResourceSummaries></ListStackResourcesResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></ListStackResourcesResponse>`)
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id %s does not exist</Message></Error><RequestId>r-3</RequestId></ErrorResponse>`, stack)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// TestResources: the resources of alpha's stacks through a profile with
// static keys, against the fake endpoint (AWS_ENDPOINT_URL_CLOUDFORMATION).
func TestResources(t *testing.T) {
	srv, seen := fakeCloudFormation(t)
	dir := t.TempDir()
	pl := &plan.Plan{Repo: "acme/orders", Service: "orders", Waves: []plan.Wave{{PipelineStage: "orders-alpha", Stage: "alpha",
		Environments: []plan.Environment{{Name: "alpha", Account: "222222222222", Region: "us-east-1", Stacks: []string{"orders-alpha", "orders-alpha-gates"}}}}}}
	if err := pl.WriteFiles(filepath.Join(dir, "cdk.out")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "config"), []byte("[profile orders-alpha]\nregion = eu-west-1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[orders-alpha]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"), 0o600)
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_CLOUDFORMATION": srv.URL, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": ""} {
		t.Setenv(k, v)
	}
	from := filepath.Join(dir, "cdk.out")
	var session strings.Builder
	for _, args := range [][]string{
		{"resources", "alpha", "--from", from},
		{"resources", "alpha", "--from", from, "--type", "AWS::S3::Bucket", "--json"},
		{"resources", "prod", "--from", from},
		{"resources", "alpha", "--from", filepath.Join(dir, "none")},
		{"resources", "alpha", "--from", from, "--type", "bucket"},
		{"resources", "alpha", "--from", from, "--profile", "nobody"},
	} {
		out, errs, code := runCLI(t, args...)
		session.WriteString(strings.ReplaceAll("$ handsoff "+strings.Join(args, " ")+"\n"+errs+out, dir, "$DIR") + fmt.Sprintf("exit status %d\n\n", code))
	}
	golden(t, "resources.golden", session.String(), 0)
	if len(*seen) < 3 || !strings.HasPrefix((*seen)[1], "ListStackResources orders-alpha page-2 AWS4-HMAC-SHA256") {
		t.Errorf("requests: %q", *seen)
	}
}
