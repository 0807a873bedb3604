#!/usr/bin/env python3
"""Compile OCI seccomp JSON to BPF format for bubblewrap."""

import json
import sys
from pathlib import Path

try:
    import seccomp
except ImportError:
    print("Error: libseccomp-python not installed")
    print("Install with: pip install libseccomp")
    sys.exit(1)

def compile_seccomp(input_file, output_file):
    """Compile OCI seccomp JSON to BPF."""
    # Load OCI JSON
    with open(input_file) as f:
        policy = json.load(f)

    # Create seccomp filter
    filter = seccomp.SyscallFilter(
        defaction=seccomp.ERRNO(1)  # Default: return EPERM
    )

    # Add allowed syscalls
    for rule in policy.get("syscalls", []):
        if rule.get("action") == "SCMP_ACT_ALLOW":
            for name in rule.get("names", []):
                try:
                    syscall = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
                    filter.add_rule(seccomp.ALLOW, syscall)
                except ValueError:
                    print(f"Warning: Unknown syscall '{name}', skipping")

    # Export to BPF
    filter.export_bpf(open(output_file, 'wb'))
    print(f"Compiled {input_file} -> {output_file}")

if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(f"Usage: {sys.argv[0]} <input.json> <output.bpf>")
        sys.exit(1)

    compile_seccomp(sys.argv[1], sys.argv[2])
