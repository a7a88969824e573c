// Package docs holds carecast's design (design.md) and model card (model-card.md). It has no
// code; its test checks that the repository's citations of the design point at sections that
// exist.
package docs
