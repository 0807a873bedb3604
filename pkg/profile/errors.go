package profile

import (
	"strings"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// Error is a profile that cannot be used. It prints as one line:
//
//	profile FILE: POINTER: what is wrong and how to fix it
//
// Pointer is a JSON pointer (RFC 6901) to the offending value; it is
// empty for errors about the file as a whole.
type Error struct {
	File    string
	Pointer string
	Msg     string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("profile ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(jsonerr.OneLine(e.Msg))
	return b.String()
}
