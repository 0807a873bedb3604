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
// empty for errors about the file as a whole. What the error quotes of
// the profile is shortened and escaped (see jsonerr.Quote and OneLine).
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
		// A pointer names the user's keys: shortened like any echo.
		b.WriteString(jsonerr.ClipPointer(e.Pointer))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	// The file name is the user's too; nothing reaches the terminal
	// unescaped.
	return jsonerr.OneLine(b.String())
}
