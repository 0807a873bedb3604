package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// parseBytes reads a size: a number of bytes, or one with a KiB, MiB or
// GiB suffix (K, M, G and KB, MB, GB mean the same powers of 1024).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffixes []string
		factor   int64
	}{
		{[]string{"GiB", "GB", "G"}, 1 << 30},
		{[]string{"MiB", "MB", "M"}, 1 << 20},
		{[]string{"KiB", "KB", "K"}, 1 << 10},
		{[]string{"B", ""}, 1},
	}
	for _, u := range units {
		for _, suf := range u.suffixes {
			num, ok := strings.CutSuffix(s, suf)
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 || n > (1<<62)/u.factor {
				return 0, fmt.Errorf("%q is not a positive size such as 65536, 64KiB or 1MiB", s)
			}
			return n * u.factor, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size", s)
}
