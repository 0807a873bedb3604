// Package testutil holds what tests share: Golden, which compares
// generated text with a file under testdata/ and, with the -update flag,
// rewrites the file (as moby's assertGolden does). Only tests import it.
package testutil
