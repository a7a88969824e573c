// Package service is carecast running on one set of data, below every face.
//
// A Carecast (Open, OpenDir, Default) holds the dataset bundle, the forecast engine built from
// it once with the error models fitted on the bundle's own back-tests
// (datasets.UseBacktestErrorModels), and the scenario validator (ScenarioSchema: the JSON
// Schema generated from forecast.Scenario, then forecast.Scenario.Check against the data, every
// problem with its path). Carecast.Run is the one path from a stored scenario document to
// stored results: parse and check once, run the engine, write the tidy result file with its
// provenance and, for a run with draws, its central projection beside it (ResultFile,
// CentralFileName), hashing each file as it is written.
//
// A Service (New) is the application over one store and one data directory, below the
// faces: it executes runs with a bounded pool of workers serving per-organisation queues
// (StartRun, CancelRun, Run, Runs, Watch), records each outcome even on a full disk (the disk
// reserve, ReserveFile), and opens the result files of succeeded runs through a cache of open
// files, checking each against the hash recorded when it was written (OpenResults,
// OpenCentral, DamagedResult). It writes the faces' whole-run downloads (Export: every export
// format, the filter checked against the results, disclosure control, provenance) and runs'
// server-sent events (RunEvents, over Watch), so the API and the pages send the same bytes.
// It keeps the API keys (CreateKey with the per-organisation cap, Keys, DeleteKey; the
// function CreateKey for the operator's CLI) and resolves a presented secret to a Principal
// (Authenticate, through a short-lived cache cleared when a key is deleted), or to the single
// local user while it runs open (ServeOpen: no key in the store, loopback only, until the first
// key exists). Faces read the secret from their requests, apply rate limits and answer in
// their own words. Faces tell it their settings in a Config and learn of run events through
// Metrics.
//
// The CLI (cmd/carecast: project, scenario validate, serve), the API and the pages (package
// api and web) all use one Carecast, so one scenario gives the same numbers, bit for bit,
// whichever way it is asked for (cmd/carecast TestEveryFaceGivesTheSameNumbers). The service
// imports no face (TestLayers); see docs/design.md §10.
package service
