package runbook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
)

// restartRunbook restarts an EC2 instance: if it runs, only once someone
// on call approves; then it checks the instance came back and reports.
func restartRunbook() *runbook.Document {
	instance := map[string]any{"InstanceIds": []string{"{{ InstanceId }}"}}
	state := "$.Reservations[0].Instances[0].State.Name"
	return &runbook.Document{
		Description: "Restart an EC2 instance, with an approval if it is running.",
		AssumeRole:  "{{ AutomationAssumeRole }}",
		Parameters: []runbook.Parameter{
			{Name: "InstanceId", Type: runbook.String, AllowedPattern: `^i-[a-z0-9]{8,17}$`},
			{Name: "AutomationAssumeRole", Type: runbook.String, Description: "The role Automation assumes."},
		},
		Steps: []runbook.Step{
			{Name: "Describe", Action: &runbook.ExecuteAwsApi{
				Service: "ec2", Api: "DescribeInstances", Params: instance,
				Outputs: []runbook.Output{{Name: "State", Selector: state, Type: runbook.String}},
			}},
			{Name: "IsRunning", Action: &runbook.Branch{
				Choices: []runbook.Choice{{NextStep: "Approve", When: runbook.Condition{Variable: "{{ Describe.State }}", Op: runbook.StringEquals, Value: "running"}}},
				Default: "Start",
			}},
			{Name: "Approve", Action: &runbook.Approve{
				Approvers:       []string{"arn:aws:iam::111122223333:role/OnCall"},
				NotificationArn: "arn:aws:sns:eu-west-1:111122223333:AutomationApprovals",
				Message:         "Restart {{ InstanceId }}?",
			}},
			{Name: "Stop", Action: &runbook.ExecuteAwsApi{Service: "ec2", Api: "StopInstances", Params: instance}},
			{Name: "WaitStopped", Action: &runbook.WaitForAwsResourceProperty{
				Service: "ec2", Api: "DescribeInstances", Params: instance,
				PropertySelector: state, DesiredValues: []string{"stopped"},
			}, TimeoutSeconds: 600},
			{Name: "Start", Action: &runbook.ExecuteAwsApi{Service: "ec2", Api: "StartInstances", Params: instance}},
			{Name: "Settle", Action: &runbook.Sleep{Duration: 2 * time.Minute}},
			{Name: "IsUp", Action: &runbook.AssertAwsResourceProperty{
				Service: "ec2", Api: "DescribeInstances", Params: instance,
				PropertySelector: state, DesiredValues: []string{"running"},
			}, MaxAttempts: 3},
			{Name: "Report", Action: &runbook.ExecuteScript{
				Runtime: "python3.11", Handler: "report",
				Script:       "def report(events, context):\n    return {'summary': events['id'] + ' was ' + events['before']}\n",
				InputPayload: map[string]any{"id": "{{ automation:EXECUTION_ID }}", "before": "{{ Describe.State }}"},
				Outputs:      []runbook.Output{{Name: "Summary", Selector: "$.Payload.summary", Type: runbook.String}},
			}, IsEnd: true},
		},
		Outputs: []string{"Report.Summary"},
	}
}

// A runbook is a Document: validate it, then render it as SSM takes it.
func Example() {
	doc := restartRunbook()
	if err := doc.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	content, err := doc.JSON()
	if err != nil {
		fmt.Println(err)
		return
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, content, "", "  ")
	fmt.Println(pretty.String())
	// Output:
	// {
	//   "schemaVersion": "0.3",
	//   "description": "Restart an EC2 instance, with an approval if it is running.",
	//   "assumeRole": "{{ AutomationAssumeRole }}",
	//   "parameters": {
	//     "InstanceId": {
	//       "type": "String",
	//       "allowedPattern": "^i-[a-z0-9]{8,17}$"
	//     },
	//     "AutomationAssumeRole": {
	//       "type": "String",
	//       "description": "The role Automation assumes."
	//     }
	//   },
	//   "mainSteps": [
	//     {
	//       "name": "Describe",
	//       "action": "aws:executeAwsApi",
	//       "inputs": {
	//         "Service": "ec2",
	//         "Api": "DescribeInstances",
	//         "InstanceIds": [
	//           "{{ InstanceId }}"
	//         ]
	//       },
	//       "outputs": [
	//         {
	//           "Name": "State",
	//           "Selector": "$.Reservations[0].Instances[0].State.Name",
	//           "Type": "String"
	//         }
	//       ]
	//     },
	//     {
	//       "name": "IsRunning",
	//       "action": "aws:branch",
	//       "inputs": {
	//         "Choices": [
	//           {
	//             "NextStep": "Approve",
	//             "Variable": "{{ Describe.State }}",
	//             "StringEquals": "running"
	//           }
	//         ],
	//         "Default": "Start"
	//       }
	//     },
	//     {
	//       "name": "Approve",
	//       "action": "aws:approve",
	//       "inputs": {
	//         "NotificationArn": "arn:aws:sns:eu-west-1:111122223333:AutomationApprovals",
	//         "Message": "Restart {{ InstanceId }}?",
	//         "Approvers": [
	//           "arn:aws:iam::111122223333:role/OnCall"
	//         ]
	//       }
	//     },
	//     {
	//       "name": "Stop",
	//       "action": "aws:executeAwsApi",
	//       "inputs": {
	//         "Service": "ec2",
	//         "Api": "StopInstances",
	//         "InstanceIds": [
	//           "{{ InstanceId }}"
	//         ]
	//       }
	//     },
	//     {
	//       "name": "WaitStopped",
	//       "action": "aws:waitForAwsResourceProperty",
	//       "timeoutSeconds": 600,
	//       "inputs": {
	//         "Service": "ec2",
	//         "Api": "DescribeInstances",
	//         "InstanceIds": [
	//           "{{ InstanceId }}"
	//         ],
	//         "PropertySelector": "$.Reservations[0].Instances[0].State.Name",
	//         "DesiredValues": [
	//           "stopped"
	//         ]
	//       }
	//     },
	//     {
	//       "name": "Start",
	//       "action": "aws:executeAwsApi",
	//       "inputs": {
	//         "Service": "ec2",
	//         "Api": "StartInstances",
	//         "InstanceIds": [
	//           "{{ InstanceId }}"
	//         ]
	//       }
	//     },
	//     {
	//       "name": "Settle",
	//       "action": "aws:sleep",
	//       "inputs": {
	//         "Duration": "PT2M"
	//       }
	//     },
	//     {
	//       "name": "IsUp",
	//       "action": "aws:assertAwsResourceProperty",
	//       "maxAttempts": 3,
	//       "inputs": {
	//         "Service": "ec2",
	//         "Api": "DescribeInstances",
	//         "InstanceIds": [
	//           "{{ InstanceId }}"
	//         ],
	//         "PropertySelector": "$.Reservations[0].Instances[0].State.Name",
	//         "DesiredValues": [
	//           "running"
	//         ]
	//       }
	//     },
	//     {
	//       "name": "Report",
	//       "action": "aws:executeScript",
	//       "isEnd": true,
	//       "inputs": {
	//         "Runtime": "python3.11",
	//         "Handler": "report",
	//         "InputPayload": {
	//           "before": "{{ Describe.State }}",
	//           "id": "{{ automation:EXECUTION_ID }}"
	//         },
	//         "Script": "def report(events, context):\n    return {'summary': events['id'] + ' was ' + events['before']}\n"
	//       },
	//       "outputs": [
	//         {
	//           "Name": "Summary",
	//           "Selector": "$.Payload.summary",
	//           "Type": "String"
	//         }
	//       ]
	//     }
	//   ],
	//   "outputs": [
	//     "Report.Summary"
	//   ]
	// }
}

// YAML is what New deploys: block style, a script as a literal block, and
// every string YAML could misread double-quoted (a YAML 1.1 reader takes a
// plain on, even as a key, for true).
func ExampleDocument_YAML() {
	doc := &runbook.Document{
		Description: "Say whether it is on.",
		Parameters:  []runbook.Parameter{{Name: "On", Type: runbook.String, AllowedValues: []string{"yes", "no"}}},
		Steps: []runbook.Step{{Name: "Say", Action: &runbook.ExecuteScript{
			Runtime: "python3.11", Handler: "say",
			Script:       "def say(events, context):\n    return {'on': events['on'] == 'yes'}\n",
			InputPayload: map[string]any{"on": "{{ On }}"},
		}, IsEnd: true}},
	}
	out, err := doc.YAML()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// schemaVersion: "0.3"
	// description: "Say whether it is on."
	// parameters:
	//   "On":
	//     type: String
	//     allowedValues:
	//       - "yes"
	//       - "no"
	// mainSteps:
	//   - name: Say
	//     action: aws:executeScript
	//     isEnd: true
	//     inputs:
	//       Runtime: python3.11
	//       Handler: say
	//       InputPayload:
	//         "on": "{{ On }}"
	//       Script: |
	//         def say(events, context):
	//             return {'on': events['on'] == 'yes'}
}
