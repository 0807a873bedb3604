#!/usr/bin/python3
"""The probes of bench/systemd-run/compare.sh, one line each.

    probe.py probe PORT ABSTRACT SOCKPATH SLEEPER_PID MARKER ESCAPE LEFT
    probe.py listen PORT ABSTRACT SOCKPATH HITS
    probe.py linger NAME SECONDS

"probe" is what runs inside a systemd-run unit or a shannot sandbox: it
tries each thing on the list and prints "NAME<TAB>RESULT", where RESULT is
"ok ..." or the errno name (the exit status and first line of stderr for
the commands it runs). It changes nothing that it finds: a file it manages
to create is removed again, and /proc/sys/vm/swappiness and the
transparent_hugepage mode get the value just read from them.

"linger" leaves a process named NAME behind (as the probe "leave a
process behind" does) and exits SECONDS later: for killing the runner in
the meantime.

"listen" is the other end, started outside the unit or sandbox: a TCP
listener on 127.0.0.1:PORT (0: any free port), an abstract UNIX socket @ABSTRACT and a UNIX
socket at SOCKPATH (mode 0666); it appends one line per connection to
HITS ("ready PORT" first), so the caller can tell whether a probe
reached it.
"""

import errno
import os
import selectors
import signal
import socket
import subprocess
import sys


def err(e):
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__


def line(name, fn):
    try:
        res = fn()
    except Exception as e:  # every failure is a result here
        res = err(e)
    print("%s\t%s" % (name, res), flush=True)


def ident():
    st = {}
    with open("/proc/self/status") as f:
        for ln in f:
            k, _, v = ln.partition(":")
            st[k] = v.strip()
    groups = ",".join(str(g) for g in os.getgroups())
    return "uid=%d gid=%d groups=%s CapEff=%s NoNewPrivs=%s Seccomp=%s" % (
        os.getuid(), os.getgid(), groups or "-", st.get("CapEff"),
        st.get("NoNewPrivs"), st.get("Seccomp"))


def mount_of(path):
    # The mount that holds path, from this process's own mount table:
    # its mount point and file system type.
    best = ("?", "?")
    with open("/proc/self/mountinfo") as f:
        for ln in f:
            fields = ln.split()
            mp = fields[4]
            fstype = fields[fields.index("-") + 1]
            if (path == mp or path.startswith(mp.rstrip("/") + "/")) and len(mp) >= len(best[0].rstrip("?")):
                best = (mp, fstype)
    return best


def write_new(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    os.unlink(path)
    mp, fstype = mount_of(path)
    return "ok (created and removed; %s on %s)" % (mp, fstype)


def tmp_private(marker):
    # The caller left MARKER in the /tmp outside; a private /tmp lacks it.
    return "shared (the outside /tmp's file is here)" if os.path.exists(marker) else "private (the outside /tmp's file is not here)"


def write_same(path, value_of):
    with open(path) as f:
        cur = f.read()
    val = value_of(cur)
    with open(path, "w") as f:
        f.write(val)
    return "ok (wrote %r back)" % val.strip()


def thp_mode(cur):
    # "always [madvise] never" -> "madvise"
    return cur[cur.index("[") + 1:cur.index("]")]


def kill(pid, sig):
    os.kill(pid, sig)
    return "ok"


def read_count(path):
    with open(path, "rb") as f:
        return "ok (read %d bytes)" % len(f.read())


def list_count(path):
    return "ok (%d entries)" % len(os.listdir(path))


def connect(family, addr):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError as e:
        return "%s at socket()" % err(e)
    try:
        s.settimeout(5)
        s.connect(addr)
        return "ok (connected)"
    except OSError as e:
        return "%s at connect()" % err(e)
    finally:
        s.close()


def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return "ENOENT (no %s)" % argv[0]
    except subprocess.TimeoutExpired:
        return "timeout after 30 s"
    first = (p.stdout.strip() if p.returncode == 0 else p.stderr.strip()).splitlines()
    return "%s: %s" % ("ok" if p.returncode == 0 else "exit %d" % p.returncode,
                       first[0] if first else "(no output)")


def escape(path):
    # Ask the service manager for a unit of its own, without this one's
    # properties: it writes PATH, where this unit may not.
    res = run(["systemd-run", "--wait", "--quiet", "--collect",
               "/bin/sh", "-c", "id -u > " + path])
    if os.path.exists(path):
        with open(path) as f:
            uid = f.read().strip()
        return "escaped: a new unit ran as uid %s and wrote %s (%s)" % (uid, path, res)
    return res


def leave_behind(name):
    # A grandchild that outlives the probe, named NAME in ps: whether it
    # survives the run is for the caller to see.
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            null = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.execv("/bin/sleep", [name, "61"])
        os._exit(0)
    os.waitpid(pid, 0)
    return "ok (left %s running)" % name


def procs():
    n = sum(1 for e in os.listdir("/proc") if e.isdigit())
    try:
        with open("/proc/1/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError as e:
        cmd = err(e)
    return "%d processes; pid 1: %s" % (n, cmd[:60])


def df():
    out = subprocess.run(["df", "-P", "-h", "/"], capture_output=True, text=True).stdout
    f = out.strip().splitlines()[-1].split()
    return "%s %s size, %s used (%s)" % (f[0], f[1], f[2], f[4])


def probe(port, abstract, sockpath, sleeper, marker, escape_path, left):
    line("id", ident)
    for d in ("/", "/etc", "/home", "/tmp"):
        line("write " + d, lambda d=d: write_new(os.path.join(d, "h-sysd-probe")))
    line("/tmp private", lambda: tmp_private(marker))
    line("ls /home", lambda: list_count("/home"))
    line("write /proc/sys/vm/swappiness", lambda: write_same("/proc/sys/vm/swappiness", lambda v: v))
    line("write /sys/kernel/mm/transparent_hugepage/enabled",
         lambda: write_same("/sys/kernel/mm/transparent_hugepage/enabled", thp_mode))
    line("kill -0 1", lambda: kill(1, 0))
    line("read /proc/1/environ", lambda: read_count("/proc/1/environ"))
    line("read /proc/SLEEPER/environ", lambda: read_count("/proc/%d/environ" % sleeper))
    line("kill -TERM sleeper", lambda: kill(sleeper, signal.SIGTERM))
    line("ls /proc/1/root/", lambda: list_count("/proc/1/root/"))
    line("ls /proc/1/fd", lambda: list_count("/proc/1/fd"))
    line("tcp 127.0.0.1", lambda: connect(socket.AF_INET, ("127.0.0.1", port)))
    line("abstract unix", lambda: connect(socket.AF_UNIX, "\0" + abstract))
    line("unix socket file (the listener's, 0666)", lambda: connect(socket.AF_UNIX, sockpath))
    line("unix /run/dbus/system_bus_socket", lambda: connect(socket.AF_UNIX, "/run/dbus/system_bus_socket"))
    line("busctl (systemd's Version)", lambda: run(["busctl", "--system", "get-property", "org.freedesktop.systemd1",
                                                   "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "Version"]))
    line("systemd-run from inside", lambda: escape(escape_path))
    line("read /etc/shadow", lambda: read_count("/etc/shadow"))
    line("read /etc/ssh/ssh_host_ed25519_key", lambda: read_count("/etc/ssh/ssh_host_ed25519_key"))
    line("processes", procs)
    line("df -h /", df)
    line("leave a process behind", lambda: leave_behind(left))


def listen(port, abstract, sockpath, hits):
    sel = selectors.DefaultSelector()
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", port))
    port = t.getsockname()[1]
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    a.bind("\0" + abstract)
    try:
        os.unlink(sockpath)
    except FileNotFoundError:
        pass
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.bind(sockpath)
    os.chmod(sockpath, 0o666)
    for name, s in (("tcp", t), ("abstract", a), ("unix", u)):
        s.listen(16)
        sel.register(s, selectors.EVENT_READ, name)
    with open(hits, "a") as f:
        f.write("ready %d\n" % port)
    while True:
        for key, _ in sel.select():
            c, _ = key.fileobj.accept()
            c.close()
            with open(hits, "a") as f:
                f.write(key.data + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        a = sys.argv[2:]
        probe(int(a[0]), a[1], a[2], int(a[3]), a[4], a[5], a[6])
    elif sys.argv[1] == "listen":
        a = sys.argv[2:]
        listen(int(a[0]), a[1], a[2], a[3])
    elif sys.argv[1] == "linger":
        print(leave_behind(sys.argv[2]), flush=True)
        import time
        time.sleep(float(sys.argv[3]))
    else:
        sys.exit("usage: probe.py probe|listen|linger ...")
