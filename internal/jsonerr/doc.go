// Package jsonerr words JSON decoding problems for people: JSON pointers,
// line and column of syntax errors, UTF-8 checks and "did you mean"
// suggestions for unknown keys. Profiles and seccomp policies share it so
// that their errors read alike.
package jsonerr
