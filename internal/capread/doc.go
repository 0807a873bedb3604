// Package capread reads the small files shannot is given — profiles,
// policies, filters — never more than a cap, and only from regular files,
// so that a hostile path (a device, a 10 GB file) costs nothing.
package capread
