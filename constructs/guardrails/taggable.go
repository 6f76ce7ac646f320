package guardrails

// taggable lists the CloudFormation types that take Tags and that services
// commonly create. A type missing here is not checked for tags; add it when
// a team uses it.
var taggable = map[string]bool{
	"AWS::S3::Bucket": true, "AWS::SQS::Queue": true, "AWS::SNS::Topic": true,
	"AWS::Lambda::Function": true, "AWS::IAM::Role": true, "AWS::KMS::Key": true,
	"AWS::Logs::LogGroup": true, "AWS::StepFunctions::StateMachine": true,
	"AWS::CodeBuild::Project": true, "AWS::DynamoDB::Table": true,
	"AWS::EC2::VPC": true, "AWS::EC2::Subnet": true, "AWS::EC2::SecurityGroup": true,
	"AWS::EC2::Instance": true, "AWS::EC2::LaunchTemplate": false, // tags live in TagSpecifications
	"AWS::EC2::InternetGateway": true, "AWS::EC2::NatGateway": true, "AWS::EC2::RouteTable": true,
	"AWS::EC2::EIP": true, "AWS::EC2::Volume": true,
	"AWS::AutoScaling::AutoScalingGroup": true,
	"AWS::ECS::Cluster":                  true, "AWS::ECS::Service": true, "AWS::ECS::TaskDefinition": true,
	"AWS::ElasticLoadBalancingV2::LoadBalancer": true, "AWS::ElasticLoadBalancingV2::TargetGroup": true,
	"AWS::RDS::DBInstance": true, "AWS::RDS::DBCluster": true,
	"AWS::SecretsManager::Secret": true, "AWS::Events::EventBus": true,
	"AWS::ApiGateway::RestApi": true, "AWS::CloudFront::Distribution": true,
	"AWS::ECR::Repository": true, "AWS::Kinesis::Stream": true,
}

// Taggable reports whether handsoff checks tags on a CloudFormation type.
func Taggable(cfnType string) bool { return taggable[cfnType] }
