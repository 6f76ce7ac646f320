// Package autoscale gives EC2 Auto Scaling groups and ECS services the
// platform's baseline, so that capacity follows load and a deployment never
// takes more than a third of it away:
//
//   - capacity by stage kind ([ForStage]): alpha and beta 1 to 2, gamma 2 to
//     4, prod 2 to 10; prod never below 2, spread over at least two zones;
//   - target tracking on CPU (50% by default);
//   - a health-check grace period and cooldowns (5 minutes by default);
//   - rolling replacement that keeps at least two thirds of capacity
//     serving: groups replace at most a third of their minimum per batch
//     while the minimum stays in service, services keep 67% healthy and roll
//     back when the deployment circuit breaker trips;
//   - groups launch from a launch template (IMDSv2 only, encrypted volumes,
//     no public addresses) with two or more instance types.
//
// Mistakes in props (prod below 2, a minimum above the maximum, one zone in
// prod) are reported as error annotations on the construct, which fail
// synthesis; the pipeline lists them with its other problems.
package autoscale
