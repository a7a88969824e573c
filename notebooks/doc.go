// Package notebooks holds carecast's Jupyter notebooks for analysts (see README.md in this
// folder) and the tests that keep them working. It has no Go code of its own.
//
// The notebooks talk to a running carecast server through its HTTP API (CARECAST_URL, default
// http://127.0.0.1:8080; CARECAST_API_KEY when the server needs keys) and use only Python
// packages that Debian ships: pandas, matplotlib and requests.
//
// TestNotebooksExecute builds carecast, serves it on a free loopback port with an empty data
// directory and executes every notebook from top to bottom with Debian's jupyter-nbconvert and
// /usr/bin/python3; a cell that raises fails the test with the cell's error. Without those
// tools the test fails and says to run scripts/ci-deps-notebooks.sh; CARECAST_SKIP_NOTEBOOKS=1
// skips it explicitly. TestNotebooksHaveNoOutputs checks that notebooks are committed without
// outputs or execution records (clear them before committing: see README.md).
package notebooks
