package bug

import "fmt"

// Errorf returns the error for an impossible state: "bug: " and the
// message formatted as [fmt.Errorf] formats it (%w wraps).
func Errorf(format string, args ...any) error {
	return fmt.Errorf("bug: "+format, args...)
}
