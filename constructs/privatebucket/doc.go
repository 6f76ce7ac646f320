// Package privatebucket makes S3 buckets that are private by construction:
// all four public-access blocks set, SSL only, encrypted (KMS by default),
// versioned, access-logged, bucket-owner-enforced ownership, old versions
// expired, and retained when a prod stack is deleted.
//
//	b := privatebucket.New(stack, "Data", &privatebucket.Props{Stage: env.Stage})
//	b.Bucket().GrantRead(role, nil)
//
// Exceptions are options with safe defaults: object lock, EventBridge
// notifications, S3-managed instead of KMS encryption.
package privatebucket
