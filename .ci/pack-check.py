#!/usr/bin/env python3
"""Inspects the .nupkg/.snupkg files `dotnet pack` made for every project under src/.

usage: pack-check.py <repo root> <package dir>

Each package must carry: its id and version, a description and tags, the MIT licence expression,
a README (declared and present), repository type git with the commit it was built from, XML docs
next to every library assembly, a symbol package with the PDBs, and no dependency outside the
allowed set (Core and Issuance: no Microsoft.Extensions package at all). The CLI must be a dotnet tool.
Prints one line per package and exits 1 on the first package with problems listed.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

# Dependencies a package may declare, by package id (prefix match). Anything else is unexpected.
ALLOWED_PREFIXES = ("IoTCerts.", "System.", "Microsoft.Extensions.")
# Packages that may declare one more dependency: the PostgreSQL CA database is the one package on Npgsql, the MQTTnet
# integration the one on MQTTnet.
EXTRA_ALLOWED = {"IoTCerts.Issuance.PostgreSql": ("Npgsql",), "IoTCerts.Mqtt.MQTTnet": ("MQTTnet",)}
# Third-party packages a package may declare, by exact id (pinned in Directory.Packages.props; issue #19).
ALLOWED_EXACT = {"BouncyCastle.Cryptography"}
# Packages that must stay usable without any Microsoft.Extensions package (R: Core/Issuance are .NET only; the online
# revocation package sits right above Core, so a device or an AOT build can fetch CRLs without them too).
NO_EXTENSIONS = {"IoTCerts.Core", "IoTCerts.Issuance", "IoTCerts.Revocation.Online"}
EXACT_DEPENDENCIES = {
    "IoTCerts.Core": {"System.Security.Cryptography.Pkcs"},
    "IoTCerts.Issuance": {"IoTCerts.Core", "System.Security.Cryptography.Pkcs"},
}


def project_package_ids(root):
    """Maps package id -> (csproj path, is tool) for every project under src/."""
    ids = {}
    for proj in sorted(glob.glob(os.path.join(root, "src", "*", "*.csproj"))):
        text = open(proj, encoding="utf-8").read()
        m = re.search(r"<PackageId>([^<]+)</PackageId>", text)
        pid = m.group(1) if m else os.path.splitext(os.path.basename(proj))[0]
        ids[pid] = (proj, "<PackAsTool>true</PackAsTool>" in text)
    return ids


def check(pid, is_tool, nupkg, snupkg):
    problems = []
    facts = {}
    with zipfile.ZipFile(nupkg) as z:
        names = z.namelist()
        nuspec_name = next((n for n in names if n.endswith(".nuspec") and "/" not in n), None)
        if nuspec_name is None:
            return ["no .nuspec"], facts
        meta = ET.fromstring(z.read(nuspec_name)).find("{*}metadata")

        def text(tag):
            e = meta.find("{*}" + tag)
            return (e.text or "").strip() if e is not None else ""

        if text("id") != pid:
            problems.append(f"id is '{text('id')}'")
        if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", text("version")):
            problems.append(f"version '{text('version')}'")
        if len(text("description")) < 20:
            problems.append("description missing or too short")
        if not text("tags"):
            problems.append("no tags")
        lic = meta.find("{*}license")
        if lic is None or lic.get("type") != "expression" or (lic.text or "").strip() != "MIT":
            problems.append("licence is not the expression MIT")
        readme = text("readme")
        if not readme or readme not in names:
            problems.append(f"README '{readme}' not in package")
        elif len(z.read(readme)) < 100:
            problems.append("README is nearly empty")
        repo = meta.find("{*}repository")
        if repo is None or repo.get("type") != "git" or not re.fullmatch(r"[0-9a-f]{40}", repo.get("commit", "")):
            problems.append("repository type git with commit missing")
        elif repo.get("url"):
            problems.append(f"repository url '{repo.get('url')}' set, but the repository has no remote")

        deps = {d.get("id") for d in meta.findall(".//{*}dependency")}
        for d in sorted(deps):
            if not d.startswith(ALLOWED_PREFIXES + EXTRA_ALLOWED.get(pid, ())) and d not in ALLOWED_EXACT:
                problems.append(f"unexpected dependency {d}")
            if pid in NO_EXTENSIONS and d.startswith("Microsoft.Extensions."):
                problems.append(f"{pid} must not depend on {d}")
        if pid in EXACT_DEPENDENCIES and deps != EXACT_DEPENDENCIES[pid]:
            problems.append(f"dependencies {sorted(deps)} != {sorted(EXACT_DEPENDENCIES[pid])}")
        facts["deps"] = sorted(deps)

        if is_tool:
            types = [t.get("name") for t in meta.findall(".//{*}packageType")]
            if "DotnetTool" not in types:
                problems.append("not packed as a dotnet tool")
            if not any(n.startswith("tools/") and n.endswith("/DotnetToolSettings.xml") for n in names):
                problems.append("no DotnetToolSettings.xml")
            facts["files"] = sum(1 for n in names if n.startswith("tools/"))
        else:
            dlls = [n for n in names if n.startswith("lib/") and n.endswith(".dll")]
            if not dlls:
                problems.append("no library assembly under lib/")
            for dll in dlls:
                if dll[:-4] + ".xml" not in names:
                    problems.append(f"no XML docs for {dll}")
            facts["files"] = len(dlls)
        facts["size"] = os.path.getsize(nupkg)

    if not os.path.exists(snupkg):
        problems.append("no symbol package (.snupkg)")
    else:
        with zipfile.ZipFile(snupkg) as z:
            pdbs = [n for n in z.namelist() if n.endswith(".pdb")]
            if not pdbs:
                problems.append("symbol package has no PDB")
            facts["pdbs"] = len(pdbs)
    return problems, facts


def tampered(source, target, drop=None, nuspec_edit=None):
    """Copies a package, leaving out the entry `drop` and rewriting the nuspec with `nuspec_edit`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            if item.filename == drop:
                continue
            data = src.read(item.filename)
            if item.filename.endswith(".nuspec") and nuspec_edit:
                data = nuspec_edit(data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)


def self_test(outdir):
    """The checker must refuse broken copies of the Core package (so an ok above means something)."""
    import shutil
    import tempfile
    core = glob.glob(os.path.join(outdir, "IoTCerts.Core.*.nupkg"))[0]
    cases = {
        "no README": dict(drop="README.md"),
        "no XML docs": dict(drop="lib/net10.0/IoTCerts.Core.xml"),
        "other licence": dict(nuspec_edit=lambda t: t.replace(">MIT<", ">Apache-2.0<")),
        "Microsoft.Extensions dependency": dict(nuspec_edit=lambda t: t.replace(
            '<dependency id="System.Security.Cryptography.Pkcs"',
            '<dependency id="Microsoft.Extensions.Logging.Abstractions" version="10.0.0" /><dependency id="System.Security.Cryptography.Pkcs"')),
        "invented repository url": dict(nuspec_edit=lambda t: t.replace('<repository type="git"', '<repository type="git" url="https://example.invalid/x.git"')),
    }
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, edit in cases.items():
            target = os.path.join(tmp, os.path.basename(core))
            tampered(core, target, **edit)
            shutil.copy(core[:-len(".nupkg")] + ".snupkg", target[:-len(".nupkg")] + ".snupkg")
            problems, _ = check("IoTCerts.Core", False, target, target[:-len(".nupkg")] + ".snupkg")
            if not problems:
                failures += 1
                print(f"FAIL self-test: a package with '{name}' passed the check")
    print(f"pack-check self-test: {len(cases) - failures} of {len(cases)} broken packages refused")
    return failures


def main():
    root, outdir = sys.argv[1], sys.argv[2]
    ids = project_package_ids(root)
    failed = 0
    for pid, (proj, is_tool) in ids.items():
        found = [p for p in glob.glob(os.path.join(outdir, pid + ".*.nupkg"))
                 if re.fullmatch(re.escape(pid) + r"\.\d+\.\d+\.\d+(-[^/]*)?\.nupkg", os.path.basename(p))]
        if len(found) != 1:
            print(f"FAIL {pid}: expected one .nupkg, found {len(found)}")
            failed += 1
            continue
        nupkg = found[0]
        problems, facts = check(pid, is_tool, nupkg, nupkg[:-len(".nupkg")] + ".snupkg")
        if problems:
            failed += 1
            print(f"FAIL {os.path.basename(nupkg)}: " + "; ".join(problems))
        else:
            kind = "tool" if is_tool else "lib"
            print(f"ok   {os.path.basename(nupkg)} ({kind}, {facts['size'] // 1024} KiB, "
                  f"deps: {', '.join(facts['deps']) or 'none'}, pdbs: {facts['pdbs']})")
    print(f"pack-check: {len(ids) - failed} of {len(ids)} packages ok")
    failed += self_test(outdir)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
