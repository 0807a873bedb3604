package bug

import (
	"errors"
	"io/fs"
	"testing"
)

func TestErrorf(t *testing.T) {
	err := Errorf("instruction %d (%s) is not one the kernel runs", 3, "ld")
	if got, want := err.Error(), "bug: instruction 3 (ld) is not one the kernel runs"; got != want {
		t.Errorf("Errorf = %q, want %q", got, want)
	}
	err = Errorf("embedded schema does not compile: %w", fs.ErrNotExist)
	if got, want := err.Error(), "bug: embedded schema does not compile: file does not exist"; got != want {
		t.Errorf("Errorf = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Errorf(%%w) does not wrap its cause: errors.Is(%v, fs.ErrNotExist) is false", err)
	}
}
