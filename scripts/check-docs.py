#!/usr/bin/env python3
"""Check that every public declaration of the library has a DocC comment.

Usage:
    scripts/check-docs.py [--root DIR] [--exclude PATH]... [--verbose]

Scans ``<root>/Sources/**/*.swift`` (root defaults to the repository this
script lives in) and prints one line per public declaration without a doc
comment::

    Sources/Foo/Bar.swift:12: undocumented public func run(_:options:)

then exits 1. With none, it prints a count and exits 0.

What is scanned
---------------
Every target directory under ``Sources/`` except:
  * system-library shims: a target directory holding a ``module.modulemap``
    (``CBLAS``, ``CLAPACKE``, ``CFFTW3``; note that ``CheckpointIO`` also
    starts with a C and *is* scanned);
  * ``Sources/_TestSupport`` (test helpers, not API) and
    ``Sources/intrinsic-dim`` (the command-line tool, not a library);
  * whatever ``--exclude`` names: a path relative to the root (a file, or a
    directory whose files are all skipped) or an ``fnmatch`` glob. Repeatable.

What counts as a public declaration
-----------------------------------
A ``func``, ``init``, ``var``/``let``, ``subscript``, ``typealias``,
``associatedtype``, ``struct``/``class``/``enum``/``protocol``/``actor``, or
an enum ``case`` line, declared at file level or directly in a type,
extension or protocol body (never inside a function or accessor body) that is
visible to clients:
  * it says ``public`` or ``open`` (``public private(set) var`` counts), or it
    has no access modifier and sits in a ``public extension``, in a public
    protocol (requirements are API), or is a ``case`` of a public enum;
  * and every enclosing type is itself public. A ``public`` member of an
    internal type, or of an extension of an internal type of this package,
    is not API and is not reported;
  * and its name does not start with an underscore: as in swift-numerics,
    ``_name`` marks a declaration that is public only for technical reasons
    (e.g. the ``_gemm`` requirements of ``LinearAlgebraScalar``); DocC hides
    it, and it is counted, not reported.
Extensions themselves need no comment (DocC shows their members under the
extended type); their members do.

What counts as documented
-------------------------
A ``///`` line, or a ``/** … */`` block, immediately above the declaration.
Only attribute lines (``@inlinable``, ``@discardableResult``,
``@available(…)``, …) may sit between; a blank line or a ``//`` comment
detaches the doc comment, as it does for readers. One comment covers one
line, so ``case a, b`` needs one comment and ``public let rows: Int, cols: Int``
one comment.

The one exemption: protocol witnesses inherit their documentation
---------------------------------------------------------------------
DocC shows a protocol requirement's documentation on the members that
implement it, so a declaration that *only* satisfies a protocol requirement
may go without a comment of its own. It is exempt when it is a member of a
type (or extension) that conforms to the protocol, anywhere in the scanned
sources, and it matches a requirement by kind and full signature (name plus
argument labels, e.g. ``init(from:)`` but not ``init(path:)``):
  * protocols declared in the scanned sources (requirements collected from
    their bodies, including inherited protocols), e.g. ``map(_:into:)`` of a
    ``SubspaceMap`` or ``evaluate(parameters:…)`` of a ``Model``; members of a
    protocol's own extension that match its requirements (default
    implementations) are exempt the same way;
  * standard-library protocols, from the table ``STANDARD_REQUIREMENTS``
    below: ``description``, ``==``, ``hash(into:)``, ``init(from:)``,
    ``encode(to:)``, ``errorDescription``, ``init(rawValue:)``,
    literal initialisers, ``makeIterator()``, ….
Exempt declarations are counted separately (``--verbose`` lists them).
Everything else is strict.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field

# Requirements of standard-library / Foundation protocols whose witnesses
# inherit the protocol's documentation: protocol -> set of (kind, signature).
STANDARD_REQUIREMENTS: dict[str, set[tuple[str, str]]] = {
    "CustomStringConvertible": {("var", "description")},
    "CustomDebugStringConvertible": {("var", "debugDescription")},
    "LosslessStringConvertible": {("var", "description"), ("init", "init(_:)")},
    "Equatable": {("func", "==(_:_:)")},
    "Hashable": {("func", "==(_:_:)"), ("func", "hash(into:)"), ("var", "hashValue")},
    "Comparable": {("func", "==(_:_:)"), ("func", "<(_:_:)"), ("func", "<=(_:_:)"),
                   ("func", ">(_:_:)"), ("func", ">=(_:_:)")},
    "Encodable": {("func", "encode(to:)")},
    "Decodable": {("init", "init(from:)")},
    "Codable": {("func", "encode(to:)"), ("init", "init(from:)")},
    "LocalizedError": {("var", "errorDescription"), ("var", "failureReason"),
                       ("var", "recoverySuggestion"), ("var", "helpAnchor")},
    "RawRepresentable": {("var", "rawValue"), ("init", "init(rawValue:)"), ("typealias", "RawValue")},
    "CaseIterable": {("var", "allCases"), ("typealias", "AllCases")},
    "Identifiable": {("var", "id"), ("typealias", "ID")},
    "ExpressibleByStringLiteral": {("init", "init(stringLiteral:)")},
    "ExpressibleByIntegerLiteral": {("init", "init(integerLiteral:)")},
    "ExpressibleByFloatLiteral": {("init", "init(floatLiteral:)")},
    "ExpressibleByBooleanLiteral": {("init", "init(booleanLiteral:)")},
    "ExpressibleByArrayLiteral": {("init", "init(arrayLiteral:)")},
    "ExpressibleByDictionaryLiteral": {("init", "init(dictionaryLiteral:)")},
    "Sequence": {("func", "makeIterator()"), ("typealias", "Element"), ("typealias", "Iterator")},
    "IteratorProtocol": {("func", "next()"), ("typealias", "Element")},
    "Collection": {("var", "startIndex"), ("var", "endIndex"), ("func", "index(after:)"),
                   ("subscript", "subscript(_:)"), ("typealias", "Index"), ("typealias", "Element"),
                   ("typealias", "SubSequence"), ("typealias", "Indices"), ("var", "count")},
    "BidirectionalCollection": {("func", "index(before:)")},
    "RandomAccessCollection": {("func", "index(_:offsetBy:)"), ("func", "distance(from:to:)")},
    "MutableCollection": {("subscript", "subscript(_:)")},
    "CodingKey": {("var", "stringValue"), ("var", "intValue"), ("init", "init(stringValue:)"),
                  ("init", "init(intValue:)")},
    "Error": set(),
    "Sendable": set(),
}
# Protocols that imply others (so a Hashable type's == is exempt, etc.).
STANDARD_INHERITS: dict[str, list[str]] = {
    "Hashable": ["Equatable"],
    "Comparable": ["Equatable"],
    "Codable": ["Encodable", "Decodable"],
    "LocalizedError": ["Error"],
    "BidirectionalCollection": ["Collection"],
    "RandomAccessCollection": ["BidirectionalCollection"],
    "MutableCollection": ["Collection"],
    "Collection": ["Sequence"],
    "CodingKey": ["CustomStringConvertible", "CustomDebugStringConvertible"],
}

SKIPPED_TARGETS = {"_TestSupport", "intrinsic-dim"}

DECL_KEYWORDS = {"func", "init", "var", "let", "subscript", "typealias", "associatedtype",
                 "struct", "class", "enum", "protocol", "extension", "actor", "case", "deinit",
                 "operator", "precedencegroup", "macro", "import"}
TYPE_KEYWORDS = {"struct", "class", "enum", "protocol", "extension", "actor"}
MODIFIERS = {"public", "open", "internal", "private", "fileprivate", "package", "static", "class",
             "final", "override", "mutating", "nonmutating", "convenience", "required", "lazy",
             "weak", "unowned", "dynamic", "indirect", "nonisolated", "consuming", "borrowing",
             "prefix", "postfix", "infix", "optional", "distributed", "isolated"}
ACCESS = {"public", "open", "internal", "private", "fileprivate", "package"}


# --------------------------------------------------------------------------
# Lexing: blank out comments and string-literal contents, keep line structure.
# --------------------------------------------------------------------------

def blank_code(text: str) -> str:
    """`text` with comments and string contents replaced by spaces (newlines kept),
    so that braces and parentheses can be counted on what remains."""
    out: list[str] = []
    i, n = 0, len(text)

    def blank(s: str) -> str:
        return "".join(c if c == "\n" else " " for c in s)

    def skip_string(i: int) -> int:
        """`text[i]` starts a string literal (after optional #s). Returns the index
        after its end, appending the blanked literal (quotes kept) to `out`."""
        start = i
        hashes = 0
        while text[i] == "#":
            hashes += 1
            i += 1
        multi = text.startswith('"""', i)
        opener = '"""' if multi else '"'
        i += len(opener)
        closer = opener + "#" * hashes
        escape = "\\" + "#" * hashes
        out.append(text[start:i])
        while i < n:
            if text.startswith(escape, i):
                j = i + len(escape)
                if j < n and text[j] == "(":
                    # Interpolation: code up to the matching ')', which may hold strings.
                    out.append(" " * (j + 1 - i))
                    i = j + 1
                    depth = 1
                    while i < n and depth > 0:
                        c = text[i]
                        if c == '"' or (c == "#" and re.match(r'#+"', text[i:])):
                            i = skip_string(i)
                            continue
                        if c == "(":
                            depth += 1
                        elif c == ")":
                            depth -= 1
                        out.append(" " if c != "\n" else "\n")
                        i += 1
                    continue
                out.append(blank(text[i:j + 1]))
                i = j + 1
                continue
            if text.startswith(closer, i):
                out.append(closer)
                return i + len(closer)
            out.append("\n" if text[i] == "\n" else " ")
            i += 1
        return i

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth > 0:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif c == '"' or (c == "#" and re.match(r'#+"', text[i:]) and not re.match(r"#(if|else|elseif|endif)", text[i:])):
            i = skip_string(i)
        else:
            out.append(c)
            i += 1
    return "".join(out)


# --------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------

@dataclass
class Context:
    kind: str                 # "file", "struct", "enum", "protocol", "extension", "body" (opaque)
    name: str = ""            # qualified type name
    public: bool = True       # effectively public (members may be API)
    public_extension: bool = False
    protocol: bool = False


@dataclass
class Decl:
    path: str
    line: int
    keyword: str
    signature: str
    access: str | None        # explicit access modifier
    context: Context
    documented: bool
    header: str

    @property
    def label(self) -> str:
        """'func run(_:options:)', 'init(path:)', 'case fixed', 'var rows'."""
        return self.signature if self.keyword in ("init", "subscript") else f"{self.keyword} {self.signature}"


@dataclass
class FileScan:
    path: str
    decls: list[Decl] = field(default_factory=list)
    # qualified type name -> (public?, conformances) from declarations and extensions
    types: list[tuple[str, bool | None, list[str], str]] = field(default_factory=list)


ATTR_RE = re.compile(r"@\w+(\s*\((?:[^()]|\([^()]*\))*\))?")


def split_decl_start(code_line: str) -> tuple[list[str], str, str] | None:
    """If the (blanked) line starts a declaration, return (modifiers, keyword, rest)."""
    s = code_line.strip()
    mods: list[str] = []
    while True:
        m = ATTR_RE.match(s)
        if m:
            s = s[m.end():].lstrip()
            continue
        m = re.match(r"([A-Za-z_]\w*)(\s*\(\s*set\s*\))?", s)
        if not m:
            return None
        word = m.group(1)
        rest = s[m.end():]
        if word == "class" and re.match(r"\s+(func|var|let|subscript|init|override|final|static)\b", rest):
            mods.append("class")
            s = rest.lstrip()
            continue
        if word in DECL_KEYWORDS:
            if word == "init" and not re.match(r"\s*[?!]?\s*[(<]", rest):
                return None
            return mods, word, rest
        if word in MODIFIERS:
            mods.append(word + ("(set)" if m.group(2) else ""))
            s = rest.lstrip()
            continue
        return None


def param_labels(params: str, subscript: bool = False) -> str:
    """Argument labels of a parameter list's inside: 'a b: T, _ c: U' -> 'a:_:'.
    A subscript's lone parameter name is not a label: 'i: Int' -> '_:'."""
    parts, depth, cur = [], 0, ""
    for c in params:
        if c in "([<{":
            depth += 1
        elif c in ")]>}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    if cur.strip():
        parts.append(cur)
    labels = []
    for p in parts:
        head = p.split(":", 1)[0].strip()
        words = [w for w in head.split() if w not in ("inout", "borrowing", "consuming", "isolated")]
        if not words:
            continue
        labels.append(("_" if subscript and len(words) == 1 else words[0]) + ":")
    return "".join(labels)


def balanced_after(text: str, start: int) -> str:
    """The text inside the parentheses opening at text[start] == '('."""
    depth, i = 0, start
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1
    return text[start + 1:]


def signature(keyword: str, header: str) -> str:
    """A readable signature from the declaration's blanked header text (starting
    at the keyword): 'func run(_:options:)', 'var rows', 'case fixed', …"""
    rest = header[len(keyword):] if header.startswith(keyword) else header
    if keyword in ("func", "init", "subscript"):
        if keyword == "func":
            m = re.match(r"\s*([^\s(<]+)", rest)
            name = m.group(1) if m else "?"
        else:
            name = keyword
        p = rest.find("(")
        labels = param_labels(balanced_after(rest, p)) if p >= 0 else ""
        if keyword == "func" and not re.match(r"[A-Za-z_]", name):
            labels = "_:" * labels.count(":")  # operators take no labels
        if keyword == "subscript" and p >= 0:
            labels = param_labels(balanced_after(rest, p), subscript=True)
        return f"{name}({labels})"
    m = re.match(r"\s*([A-Za-z_`][\w`]*)", rest)
    return m.group(1).strip("`") if m else "?"


def conformances(header: str) -> list[str]:
    """'struct Foo<T>: A, B where …' -> ['A', 'B'] (generic args stripped)."""
    s = re.sub(r"<[^<>]*>", "", header.split("{", 1)[0])
    s = re.sub(r"<[^<>]*>", "", s)
    m = re.search(r":\s*(.*?)(?:\bwhere\b|$)", s, re.S)
    if not m:
        return []
    return [p.strip().split(".")[-1] for p in m.group(1).replace("\n", " ").split(",") if p.strip()]


def is_documented(raw_lines: list[str], first: int) -> bool:
    """Whether a doc comment sits right above line index `first` (attributes may intervene)."""
    i = first - 1
    while i >= 0:
        s = raw_lines[i].strip()
        if s.startswith("@") and not s.startswith("@_exported"):
            i -= 1
            continue
        if s.startswith("///"):
            return True
        if s.endswith("*/"):
            j = i
            while j >= 0 and "/*" not in raw_lines[j]:
                j -= 1
            return j >= 0 and "/**" in raw_lines[j]
        return False
    return False


def scan_file(path: str, rel: str) -> FileScan:
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    raw_lines = raw.split("\n")
    code = blank_code(raw)
    code_lines = code.split("\n")
    scan = FileScan(rel)

    stack: list[Context] = [Context("file")]
    # Declarations started since the last brace or semicolon: (line index, keyword, modifiers, header, access).
    segment: list[tuple[int, str, list[str], str, str | None]] = []
    paren = 0                            # () and [] depth

    def type_level() -> bool:
        return stack[-1].kind != "body"

    def header_text(line_index: int) -> str:
        """Code from the decl line to the brace/line end (for signatures)."""
        parts = []
        for k in range(line_index, len(code_lines)):
            ln = code_lines[k]
            if k == line_index:
                ln = ln.strip()
            parts.append(ln)
            joined = " ".join(parts)
            if "{" in ln or (joined.count("(") <= joined.count(")") and k > line_index + 20):
                break
            if joined.count("(") == joined.count(")") and not ln.rstrip().endswith((",", "(", "->", ":")):
                # Stop when the next line does not continue the header.
                nxt = code_lines[k + 1].strip() if k + 1 < len(code_lines) else ""
                if not nxt.startswith(("->", "where", "throws", "rethrows", "async", ":", ",", "&")):
                    break
        return " ".join(parts)

    def record(line_index: int, mods: list[str], keyword: str):
        ctx = stack[-1]
        explicit = next((m for m in mods if m in ACCESS), None)
        header = header_text(line_index)
        # Strip attributes and modifiers, keep from the keyword on.
        kpos = re.search(r"\b" + re.escape(keyword) + r"\b", header)
        header_kw = header[kpos.start():] if kpos else header
        if keyword in ("extension", "deinit", "import", "operator", "precedencegroup", "macro"):
            return header_kw, explicit
        if ctx.kind == "extension" and ctx.public_extension and explicit is None:
            public = True
        elif ctx.kind == "protocol":
            public = True
        elif keyword == "case":
            public = ctx.kind == "enum"
        else:
            public = explicit in ("public", "open")
        if keyword == "case" and ctx.kind != "enum":
            public = False
        if public and ctx.public:
            scan.decls.append(Decl(rel, line_index + 1, keyword, signature(keyword, header_kw), explicit, ctx,
                                   is_documented(raw_lines, line_index), header_kw))
        return header_kw, explicit

    for li, line in enumerate(code_lines):
        if type_level() and paren == 0:
            d = split_decl_start(line)
            if d is not None:
                mods, keyword, _ = d
                header_kw, explicit = record(li, mods, keyword)
                segment.append((li, keyword, mods, header_kw, explicit))
        for c in line:
            if c in "([":
                paren += 1
            elif c in ")]":
                paren = max(0, paren - 1)
            elif c == "{":
                ctx = stack[-1]
                owner = segment[-1] if segment and type_level() else None
                if owner and owner[1] in TYPE_KEYWORDS:
                    _, keyword, mods, header_kw, explicit = owner
                    name_m = re.match(r"\w+\s+([\w.]+)", header_kw)
                    name = name_m.group(1) if name_m else "?"
                    qual = name if keyword == "extension" or ctx.kind == "file" else (ctx.name + "." + name)
                    if keyword == "extension":
                        for mod in ("CheckpointIO.", "LinearAlgebra.", "Projections.", "Training.",
                                    "RankAnalysis.", "Reports."):
                            if qual.startswith(mod):
                                qual = qual[len(mod):]
                        is_public = None  # decided by the extended type (resolved later)
                    elif ctx.kind == "protocol":
                        is_public = ctx.public
                    else:
                        is_public = explicit in ("public", "open") and ctx.public
                    confs = conformances(header_kw)
                    scan.types.append((qual, is_public, confs, keyword))
                    new = Context(keyword if keyword != "actor" and keyword != "class" else "struct", qual,
                                  True if is_public is None else is_public,
                                  public_extension=(keyword == "extension" and explicit == "public"),
                                  protocol=(keyword == "protocol"))
                    stack.append(new)
                else:
                    stack.append(Context("body"))
                segment = []
            elif c == "}":
                if len(stack) > 1:
                    stack.pop()
                segment = []
            elif c == ";":
                segment = []
    return scan


# --------------------------------------------------------------------------
# Protocol requirements and exemptions
# --------------------------------------------------------------------------

def build_requirements(scans: list[FileScan]):
    """Requirements of the package's protocols: name -> set of (kind, signature), and their parents."""
    reqs: dict[str, set[tuple[str, str]]] = {}
    parents: dict[str, list[str]] = {}
    for s in scans:
        for qual, _, confs, keyword in s.types:
            if keyword == "protocol":
                parents[qual.split(".")[-1]] = confs
                reqs.setdefault(qual.split(".")[-1], set())
        for d in s.decls:
            if d.context.kind == "protocol":
                kind = "typealias" if d.keyword == "associatedtype" else ("var" if d.keyword == "let" else d.keyword)
                reqs.setdefault(d.context.name.split(".")[-1], set()).add((kind, d.signature))
    return reqs, parents


def closure(protocols: set[str], parents: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(protocols)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo += parents.get(p, []) + STANDARD_INHERITS.get(p, [])
    return seen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    help="the repository root (default: the one holding this script)")
    ap.add_argument("--exclude", action="append", default=[], metavar="PATH",
                    help="a file, directory or glob relative to the root to skip (repeatable)")
    ap.add_argument("--verbose", action="store_true", help="also list the exempt protocol witnesses")
    args = ap.parse_args(argv)

    root = os.path.abspath(args.root)
    sources = os.path.join(root, "Sources")
    files: list[str] = []
    for target in sorted(os.listdir(sources)):
        tdir = os.path.join(sources, target)
        if not os.path.isdir(tdir) or target in SKIPPED_TARGETS:
            continue
        if os.path.exists(os.path.join(tdir, "module.modulemap")):
            continue  # a C system-library shim
        for dirpath, _, names in sorted(os.walk(tdir)):
            for nm in sorted(names):
                if nm.endswith(".swift"):
                    files.append(os.path.relpath(os.path.join(dirpath, nm), root))

    def excluded(rel: str) -> bool:
        for e in args.exclude:
            e = e.rstrip("/")
            if rel == e or rel.startswith(e + "/") or fnmatch.fnmatch(rel, e):
                return True
        return False

    # Every file is parsed (conformances and protocols anywhere count);
    # excluded files are only not reported.
    scans = [scan_file(os.path.join(root, rel), rel) for rel in files]
    reqs, parents = build_requirements(scans)
    for p, r in STANDARD_REQUIREMENTS.items():
        reqs.setdefault(p, set()).update(r)

    type_public: dict[str, bool] = {}
    conforms: dict[str, set[str]] = {}
    for s in scans:
        for qual, is_public, confs, keyword in s.types:
            if keyword != "extension":
                type_public[qual] = bool(is_public)
            conforms.setdefault(qual, set()).update(confs)

    undocumented: list[Decl] = []
    exempt: list[Decl] = []
    hidden: list[Decl] = []
    documented = 0
    for s in scans:
        if excluded(s.path):
            continue
        for d in s.decls:
            ctx = d.context
            if ctx.kind == "extension" and type_public.get(ctx.name, True) is False:
                continue  # an extension of an internal type of this package
            if d.signature.startswith("_"):
                hidden.append(d)  # underscored: not API (DocC hides it)
                continue
            if d.documented:
                documented += 1
                continue
            if ctx.kind in ("struct", "enum", "extension", "protocol"):
                kind = "var" if d.keyword == "let" else d.keyword
                protos = closure(conforms.get(ctx.name, set()) | ({ctx.name.split(".")[-1]} if ctx.protocol else set()),
                                 parents)
                if ctx.kind == "extension" and ctx.name.split(".")[-1] in reqs and ctx.name.split(".")[-1] in parents:
                    protos |= closure({ctx.name.split(".")[-1]}, parents)  # a protocol's default implementations
                if ctx.kind != "protocol" and any((kind, d.signature) in reqs.get(p, set()) for p in protos):
                    exempt.append(d)
                    continue
            undocumented.append(d)

    if args.verbose:
        for d in exempt:
            print(f"{d.path}:{d.line}: exempt (protocol witness) {d.label}")
        for d in hidden:
            print(f"{d.path}:{d.line}: not API (underscored) {d.label}")
    if undocumented:
        for d in undocumented:
            print(f"{d.path}:{d.line}: undocumented public {d.label}")
        print(f"check-docs: {len(undocumented)} undocumented public declarations "
              f"({documented} documented, {len(exempt)} exempt protocol witnesses)", file=sys.stderr)
        return 1
    nfiles = sum(1 for s in scans if not excluded(s.path))
    print(f"check-docs: all {documented} public declarations documented in {nfiles} files "
          f"({len(exempt)} protocol witnesses exempt, {len(hidden)} underscored skipped"
          + (f", {len(args.exclude)} exclusions" if args.exclude else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
