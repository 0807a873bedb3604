// Package profiles holds the profiles and seccomp policies that ship with
// shannot, embedded in the binary so that it works with no files installed.
package profiles
