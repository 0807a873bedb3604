// Package option is bwrap's option language as shannot knows it: each
// option bwrap 0.8 (and newer bwrap's overlays) accepts, spelt once as a
// constant, with how many arguments it takes and what shannot models of
// its effect on the sandbox's file system.
//
// It is a leaf: package bwrap spells its command lines and models
// additional_args' mounts (package bwrap's View) with it, and package profile
// reads additional_args with it, keeping for itself which options a
// profile may use and why the others are refused.
//
// [Lookup] answers for one name, [All] lists the table. Nothing is built
// at start-up: the table is constant data.
package option
