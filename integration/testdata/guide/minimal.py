#!/usr/bin/env python3
"""Create minimal read-only seccomp filter."""
import seccomp

f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(1))

# File reading
for sc in ["open", "openat", "read", "readv", "pread64", "preadv",
           "close", "lseek", "stat", "fstat", "lstat", "newfstatat",
           "getdents", "getdents64", "readlink", "readlinkat"]:
    f.add_rule(seccomp.ALLOW, sc)

# Process/memory management
for sc in ["brk", "mmap", "munmap", "mprotect", "exit", "exit_group",
           "rt_sigaction", "rt_sigprocmask", "rt_sigreturn"]:
    f.add_rule(seccomp.ALLOW, sc)

# Process info
for sc in ["getpid", "gettid", "getuid", "getgid", "geteuid", "getegid"]:
    f.add_rule(seccomp.ALLOW, sc)

# Write to stdout/stderr only
f.add_rule_exactly(seccomp.ALLOW, "write", seccomp.Arg(0, seccomp.EQ, 1))  # stdout
f.add_rule_exactly(seccomp.ALLOW, "write", seccomp.Arg(0, seccomp.EQ, 2))  # stderr

with open("readonly.bpf", "wb") as out:
    f.export_bpf(out)

print("Created readonly.bpf")
