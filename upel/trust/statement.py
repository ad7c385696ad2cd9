"""Trust layer: a bundle's manifest, its in-toto/SLSA statement, and checking both.

A release bundle is a directory of files plus three files that describe it:

    manifest.json                  every other file: path, sha256, size (sorted)
    provenance.intoto.dsse.json    DSSE envelope of the statement (signed bundles)
    provenance.intoto.json         the bare statement (unsigned Bazel bundles only)

The statement is an in-toto Statement v1 whose subjects are every file of the
manifest plus manifest.json itself, with the SLSA Provenance v1 predicate.
Nothing in it depends on when or where the build ran (no startedOn, no
absolute paths), so two builds of the same inputs are byte-identical.

`assemble` turns a {path: bytes} map into the complete bundle contents;
`verify_bundle` checks a directory against a public key and raises
`ProvenanceError` naming the first file or field that does not match.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from jsonschema import Draft202012Validator

from upel import __version__
from upel.trust.dsse import (
    PAYLOAD_TYPE,
    ProvenanceError,
    canonical_json,
    render_envelope,
    sign_envelope,
    verify_envelope,
)

MANIFEST = "manifest.json"
ENVELOPE = "provenance.intoto.dsse.json"
STATEMENT = "provenance.intoto.json"
RESERVED = (MANIFEST, ENVELOPE, STATEMENT)
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://upel.dev/bundle/v1"
BUILDER_CLI = "https://upel.dev/builder/upel-cli/v1"
BUILDER_BAZEL = "https://upel.dev/builder/rules_upel/v1"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- manifest ------------------------------------------------------------------


def _schema_path() -> Path:
    here = Path(__file__).resolve().parent
    for c in (here.parent / "schemas" / "manifest.schema.json", here.parents[1] / "schemas" / "manifest.schema.json"):
        if c.is_file():
            return c
    raise FileNotFoundError("schemas/manifest.schema.json not found")


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(_schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def manifest_problems(doc: object) -> list[str]:
    """Schema problems plus what a schema cannot say: sorted, unique, not reserved."""
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}"
                for e in _validator().iter_errors(doc)]
    if problems:
        return problems
    paths = [f["path"] for f in doc["files"]]  # type: ignore[index]
    if paths != sorted(set(paths)):
        problems.append("files: paths are not sorted and unique")
    problems += [f"files: {p} is a reserved name" for p in paths if p in RESERVED]
    return problems


def build_manifest(files: dict[str, bytes]) -> bytes:
    doc = {"schema": "upel-manifest/1",
           "files": [{"path": p, "sha256": sha256_hex(files[p]), "size": len(files[p])} for p in sorted(files)]}
    problems = manifest_problems(doc)
    if problems:  # a path we chose breaks our own schema: a bug, say so loudly
        raise AssertionError("manifest does not match schemas/manifest.schema.json:\n" + "\n".join(problems))
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()


# ---- statement -----------------------------------------------------------------


def build_statement(subjects: dict[str, bytes], external: dict, tool_versions: dict[str, str],
                    dependencies: dict[str, bytes], builder_id: str) -> dict:
    """The in-toto Statement v1 with the SLSA Provenance v1 predicate.

    `dependencies` are the spec sources by their root-relative path (the path
    the IR records), so the statement does not depend on the working directory.
    """
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": p, "digest": {"sha256": sha256_hex(subjects[p])}} for p in sorted(subjects)],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external,
                "internalParameters": {"upel_version": __version__,
                                       "tool_versions": dict(sorted(tool_versions.items()))},
                "resolvedDependencies": [{"name": p, "digest": {"sha256": sha256_hex(dependencies[p])}}
                                         for p in sorted(dependencies)],
            },
            # No metadata (invocationId, startedOn, finishedOn): wall-clock
            # values would make every rebuild differ.
            "runDetails": {"builder": {"id": builder_id}},
        },
    }


def assemble(files: dict[str, bytes], external: dict, tool_versions: dict[str, str],
             dependencies: dict[str, bytes], key: Ed25519PrivateKey | None,
             builder_id: str = BUILDER_CLI) -> dict[str, bytes]:
    """Every file of the bundle: `files` plus the manifest and the (signed) statement."""
    clash = [p for p in files if p in RESERVED]
    if clash:
        raise AssertionError(f"bundle content uses reserved names: {clash}")
    out = dict(files)
    out[MANIFEST] = build_manifest(files)
    stmt = canonical_json(build_statement(out, external, tool_versions, dependencies, builder_id))
    if key is None:
        out[STATEMENT] = stmt + b"\n"
    else:
        out[ENVELOPE] = render_envelope(sign_envelope(stmt, key))
    return out


# ---- verification --------------------------------------------------------------


def list_files(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files under `root`, sorted.

    Symlinks and other special files are errors: a link could make a listed
    name point at content outside the bundle."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in list(dirnames) + filenames:
            p = base / name
            if p.is_symlink():
                raise ProvenanceError(f"{p.relative_to(root).as_posix()}: is a symbolic link; "
                                      "bundles hold regular files only")
        for name in filenames:
            p = base / name
            if not p.is_file():
                raise ProvenanceError(f"{p.relative_to(root).as_posix()}: not a regular file")
            out.append(p.relative_to(root).as_posix())
    return sorted(out)


def check_statement(payload: bytes) -> dict:
    """Parse a statement and check the fields UPEL relies on."""
    try:
        st = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProvenanceError(f"statement: not valid JSON ({e})") from None
    if not isinstance(st, dict):
        raise ProvenanceError("statement: not a JSON object")
    if st.get("_type") != STATEMENT_TYPE:
        raise ProvenanceError(f"statement: _type is {st.get('_type')!r}, expected {STATEMENT_TYPE!r}")
    if st.get("predicateType") != PREDICATE_TYPE:
        raise ProvenanceError(f"statement: predicateType is {st.get('predicateType')!r}, expected {PREDICATE_TYPE!r}")
    subjects = st.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise ProvenanceError("statement: no subjects")
    for s in subjects:
        if (not isinstance(s, dict) or not isinstance(s.get("name"), str) or not isinstance(s.get("digest"), dict)
                or not isinstance(s["digest"].get("sha256"), str)):
            raise ProvenanceError(f"statement: malformed subject {s!r} (needs a name and a sha256 digest)")
    pred = st.get("predicate")
    bdef = pred.get("buildDefinition") if isinstance(pred, dict) else None
    bt = bdef.get("buildType") if isinstance(bdef, dict) else None
    if bt != BUILD_TYPE:
        raise ProvenanceError(f"statement: buildType is {bt!r}, expected {BUILD_TYPE!r}")
    return st


def verify_bundle(root: Path, key: Ed25519PublicKey | None) -> dict:
    """Check a bundle directory; return the verified statement.

    With `key`, the envelope must verify with it. With `key=None` only an
    unsigned bundle (bare statement) is accepted, and only its integrity is
    shown, not who made it: the caller must say so.
    """
    root = Path(root)
    if not root.is_dir():
        raise ProvenanceError(f"{root}: not a directory")
    present = list_files(root)
    if key is not None:
        if ENVELOPE not in present:
            raise ProvenanceError(f"{ENVELOPE}: missing (the bundle is not signed)"
                                  if STATEMENT in present else f"{ENVELOPE}: missing")
        payload = verify_envelope((root / ENVELOPE).read_bytes(), key, PAYLOAD_TYPE, what=ENVELOPE)
        if STATEMENT in present:
            raise ProvenanceError(f"{STATEMENT}: unexpected in a signed bundle (not covered by the signature)")
    else:
        if ENVELOPE in present:
            raise ProvenanceError(f"{ENVELOPE}: the bundle is signed; verify it with --key")
        if STATEMENT not in present:
            raise ProvenanceError(f"{STATEMENT}: missing")
        payload = (root / STATEMENT).read_bytes()
        if not payload.endswith(b"\n") or canonical_json(check_statement(payload[:-1])) != payload[:-1]:
            raise ProvenanceError(f"{STATEMENT}: not in canonical form (the file was edited)")
        payload = payload[:-1]
    st = check_statement(payload)

    # Every subject digest against the file it names; the manifest is one of them.
    subjects = {s["name"]: s["digest"]["sha256"] for s in st["subject"]}
    if len(subjects) != len(st["subject"]):
        raise ProvenanceError("statement: a subject is listed twice")
    for name in sorted(subjects):
        p = root / name
        if name in RESERVED[1:] or name not in present:
            raise ProvenanceError(f"{name}: listed in the statement but missing from the bundle")
        if sha256_hex(p.read_bytes()) != subjects[name]:
            raise ProvenanceError(f"{name}: sha256 differs from the signed statement (the file was changed)")
    if MANIFEST not in subjects:
        raise ProvenanceError(f"{MANIFEST}: not a subject of the statement")

    try:
        manifest = json.loads((root / MANIFEST).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProvenanceError(f"{MANIFEST}: not valid JSON ({e})") from None
    problems = manifest_problems(manifest)
    if problems:
        raise ProvenanceError(f"{MANIFEST}: does not match schemas/manifest.schema.json:\n  " + "\n  ".join(problems))
    listed = {f["path"]: f for f in manifest["files"]}
    for path in sorted(listed):
        if path not in present:
            raise ProvenanceError(f"{path}: listed in {MANIFEST} but missing from the bundle")
        data = (root / path).read_bytes()
        if len(data) != listed[path]["size"] or sha256_hex(data) != listed[path]["sha256"]:
            raise ProvenanceError(f"{path}: content differs from {MANIFEST} (the file was changed)")
    for path in present:
        if path not in listed and path not in RESERVED:
            raise ProvenanceError(f"{path}: not listed in {MANIFEST} (an unlisted file was added)")
    if set(subjects) != set(listed) | {MANIFEST}:
        odd = sorted(set(subjects) ^ (set(listed) | {MANIFEST}))
        raise ProvenanceError(f"statement subjects and {MANIFEST} disagree on: {', '.join(odd)}")
    return st
