//go:build race

package sandbox

// raceDetector is set under go test -race, whose instrumentation makes
// values escape to the heap that otherwise would not: allocation counts
// mean nothing there.
const raceDetector = true
