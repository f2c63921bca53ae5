#!/usr/bin/env python3
"""Self-test of scripts/check-docs.py: run it on small Swift snippets in a
temporary repository and check exactly what it flags.

    python3 scripts/test_check_docs.py
"""

import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-docs.py")


def run_checker(files: dict[str, str], *extra: str) -> tuple[int, list[str], str]:
    """Writes `files` (path under the root -> text) and runs the checker on them.
    Returns the exit status, the flagged lines and stdout."""
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        p = subprocess.run([sys.executable, CHECKER, "--root", root, *extra],
                           capture_output=True, text=True)
        flagged = [l for l in p.stdout.splitlines() if ": undocumented public " in l]
        return p.returncode, flagged, p.stdout


ONE_OF_TWO = '''\
/// A documented namespace.
public enum Tools {
    /// Adds one.
    public static func documented(_ x: Int) -> Int { x + 1 }

    public static func undocumented(_ x: Int) -> Int { x - 1 }
}
'''


class CheckDocsTests(unittest.TestCase):
    def test_flags_exactly_the_undocumented_func(self):
        status, flagged, out = run_checker({"Sources/Mod/Tools.swift": ONE_OF_TWO})
        self.assertEqual(status, 1, out)
        self.assertEqual(flagged, ["Sources/Mod/Tools.swift:6: undocumented public func undocumented(_:)"])

    def test_passes_and_counts_when_all_documented(self):
        text = ONE_OF_TWO.replace("    public static func undocumented", "    /// Subtracts one.\n    public static func undocumented")
        status, flagged, out = run_checker({"Sources/Mod/Tools.swift": text})
        self.assertEqual((status, flagged), (0, []), out)
        self.assertIn("all 3 public declarations documented", out)

    def test_exclude_skips_a_file(self):
        status, flagged, out = run_checker({"Sources/Mod/Tools.swift": ONE_OF_TWO}, "--exclude", "Sources/Mod/Tools.swift")
        self.assertEqual((status, flagged), (0, []), out)

    def test_rules(self):
        text = '''\
/// Kinds.
public enum Kind: String, CustomStringConvertible {
    /// Documented case.
    case a
    case b, c
    public var description: String { rawValue }   // witness of CustomStringConvertible: exempt
    func helper() { switch self { case .a: break; default: break } }
}

/// A map.
public protocol Map {
    /// Documented requirement.
    func apply(_ x: Int) -> Int
    var size: Int { get }
}

/// One map.
public struct Twice: Map {
    public func apply(_ x: Int) -> Int { 2 * x }  // witness of Map.apply: exempt
    public var size: Int { 1 }                     // witness, exempt (the requirement itself is flagged)
    public init(scale: Int) {}                     // not a requirement: flagged
    /// Attributes may sit between the comment and the declaration.
    @discardableResult
    public func fine() -> Int { let s = "{ not a brace"; return s.count }

    /// A blank line detaches a comment.

    public func detached() {}
    public static func _hidden() {}                 // underscored: not API
}

struct Internal {
    public func notAPI() {}                         // member of an internal type
}

/** A block comment documents too. */
public typealias Alias = Int
public let global = 1
'''
        status, flagged, out = run_checker({"Sources/Mod/File.swift": text})
        self.assertEqual(status, 1, out)
        got = sorted(l.split(": undocumented public ")[1] for l in flagged)
        self.assertEqual(got, sorted(["case b", "var size", "init(scale:)", "func detached()", "let global"]), out)

    def test_skips_system_shims_tool_and_test_support(self):
        files = {
            "Sources/CBLAS/module.modulemap": "module CBLAS {}\n",
            "Sources/CBLAS/Shim.swift": "public func x() {}\n",
            "Sources/_TestSupport/T.swift": "public func y() {}\n",
            "Sources/intrinsic-dim/Main.swift": "public func z() {}\n",
            "Sources/CheckpointIO/A.swift": "public func w() {}\n",
        }
        status, flagged, out = run_checker(files)
        self.assertEqual(flagged, ["Sources/CheckpointIO/A.swift:1: undocumented public func w()"], out)


if __name__ == "__main__":
    unittest.main()
