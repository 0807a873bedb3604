// Package capread opens and reads the small files shannot is given as
// input — profiles, policies, filters, /etc/shannot/config.json — so
// that a hostile path costs nothing: every one is opened with [Flags]
// (O_NONBLOCK, so that a FIFO without a writer or a device that waits
// for a carrier cannot hang the open), judged with stat before it is
// opened and fstat after (so that only regular files are read, and a
// device is never opened), and read up to a cap.
//
// [Open] is the one way shannot opens an input file; internal/trust
// opens through [OpenFile] too. [OpenPipe] is the one exception: it
// also accepts a FIFO or a pipe, for `seccomp compile POLICY -` given a
// process substitution.
package capread
