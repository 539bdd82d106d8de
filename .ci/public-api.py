#!/usr/bin/env python3
"""Regenerates each library's PublicAPI.Unshipped.txt from the public-API analyzer's own findings.

Builds the solution, reads RS0016 (a public symbol missing from the files: added to Unshipped) and RS0017 (a declared
symbol that no longer exists: removed from the file that declares it), and repeats until the build reports neither
(a project whose dependency failed is only analysed on the next pass). Files stay sorted so merges stay line-local.
"""
import os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
missing = re.compile(r"^(?P<file>/\S+?\.cs)\(\d+,\d+\): error RS0016: Symbol '(?P<sym>.*)' is not part of the declared public API.* \[(?P<proj>[^\]]+\.csproj)\]$")
stale = re.compile(r"^(?P<file>/\S+?PublicAPI\.(?:Un)?[Ss]hipped\.txt)\((?P<line>\d+),\d+\): error RS0017: Symbol '(?P<sym>.*)' is part of the declared API.*$")

def load(path):
    if not os.path.exists(path):
        return ["#nullable enable"]
    return [l.rstrip("\n") for l in open(path, encoding="utf-8")]

def save(path, lines):
    head, body = lines[0], sorted({l for l in lines[1:] if l.strip()}, key=lambda s: s.encode())
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join([head] + body) + "\n")

for p in sorted(os.listdir(os.path.join(root, "src"))):
    d = os.path.join(root, "src", p)
    proj = os.path.join(d, p + ".csproj")
    if os.path.isfile(proj) and "<OutputType>Exe</OutputType>" not in open(proj).read():
        for name in ("PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt"):
            f = os.path.join(d, name)
            if not os.path.exists(f):
                save(f, ["#nullable enable"])

for attempt in range(8):
    out = subprocess.run(["dotnet", "build", os.path.join(root, "IoTCerts.sln"), "-c", "Release", "-nologo", "-v", "q", "-clp:NoSummary"],
                         capture_output=True, text=True).stdout.splitlines()
    adds, removes = {}, {}
    for line in out:
        m = missing.match(line.strip())
        if m:
            adds.setdefault(os.path.join(os.path.dirname(m["proj"]), "PublicAPI.Unshipped.txt"), set()).add(m["sym"])
            continue
        m = stale.match(line.strip())
        if m:
            removes.setdefault(m["file"], set()).add(m["sym"])
    if not adds and not removes:
        errors = [l for l in out if ": error " in l]
        print(f"public-api: up to date after {attempt} pass(es); {len(set(errors))} other build errors")
        for e in sorted(set(errors))[:20]:
            print(e)
        sys.exit(1 if errors else 0)
    for f, syms in removes.items():
        lines = load(f)
        save(f, [lines[0]] + [l for l in lines[1:] if l not in syms])
    for f, syms in adds.items():
        save(f, load(f) + sorted(syms))
    print(f"public-api: pass {attempt + 1}: +{sum(map(len, adds.values()))} -{sum(map(len, removes.values()))}")
print("public-api: did not converge", file=sys.stderr)
sys.exit(1)
