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
//
// Err, when set, is the cause (an *os.PathError, a *trust.Error, ...),
// matched by errors.Is and errors.As, and printed when Msg is empty.
type Error struct {
	File    string
	Pointer string
	Msg     string
	Err     error
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

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
	b.WriteString(joinCause(e.Msg, e.Err))
	// The file name is the user's too; nothing reaches the terminal
	// unescaped.
	return jsonerr.OneLine(b.String())
}

// joinCause is msg, or when msg is empty the cause's text: Msg says in
// shannot's words what the cause says in the system's.
func joinCause(msg string, err error) string {
	if msg == "" && err != nil {
		return err.Error()
	}
	return msg
}
