// Package transparency builds carecast's Algorithmic Transparency Recording Standard (ATRS)
// record: the UK public sector's template for publishing how an algorithmic tool works and is
// used, version 3.0, as JSON. Build fills every field carecast can answer from what it is
// given — the back-test reports (forecast/backtest), the dataset cards of its data and its
// version — and leaves the rest, which only the council that deploys carecast can answer
// (who owns it, its phase, how it enters decisions, impact assessments…), set to
// ToBeCompleted and listed in Record.ToBeCompleted.
//
// The package has no HTTP, storage or file-format dependency: service.Carecast gathers the
// inputs, and the API (GET /v1/transparency) and the CLI (`carecast transparency`) serve the
// one Record it returns. Inputs are never modified. The same inputs give the same record.
//
// The sections and fields follow the ATRS v3.0 template (GOV.UK, Central Digital and Data
// Office and the Responsible Technology Adoption Unit): a metadata section, Tier 1 (one
// section: name, description, website URL, contact email) and Tier 2 in five sections —
// owner and responsibility; description and rationale; decision-making process; tool
// specification (with a model specification for each model and a data specification for each
// dataset); risks, mitigations and impact assessments — plus the optional dataset cards.
// JSON keys are the template's field names in snake case (Tier2Fields lists them).
package transparency
