// Package docs holds the repository's Markdown to its links.
//
// The README is a landing page and the reference lives in docs/, one page
// per piece, so a heading renamed or a section moved to another page
// silently breaks the links that point at it: GitHub shows a missing
// anchor as the top of the page, and a missing file as a 404 only when a
// reader clicks. [Check] finds every relative link in README.md and
// docs/*.md (Markdown links, reference definitions and <img src>) outside
// code, and reports each whose file does not exist or, for a .md target
// with a fragment, whose page has no heading with that anchor.
//
// # Anchors
//
// [Anchor] computes a heading's anchor as GitHub does: the heading's text
// (link text kept, link targets and emphasis and code markers dropped),
// lower-cased, every character other than a letter, a digit, a space, '-'
// and '_' removed, and each space replaced by '-'. A second heading with
// the same anchor on a page gets "-1", a third "-2".
//
// # Running it
//
//	go test ./internal/docs
//
// It reads only files: no network, no Node, no CDK.
package docs
