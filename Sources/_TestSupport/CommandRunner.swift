import Foundation

/// Runs the built `intrinsic-dim` executable, for end-to-end tests.
public enum CommandRunner {
    /// What a run produced.
    public struct Output {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The executable beside the test bundle in the build products directory.
    public static var executable: String {
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        let candidate = dir.appendingPathComponent("intrinsic-dim").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        return Fixtures.root + "/.build/debug/intrinsic-dim"
    }

    /// Runs `intrinsic-dim` with `arguments` and waits for it. Its output
    /// goes through temporary files, so no pipe can fill and block it.
    ///
    /// - Parameter environment: changes to this process's environment for the
    ///   child: a value sets the variable, nil removes it (for example
    ///   `["OPENBLAS_CORETYPE": "Prescott"]`, or `[…: nil]` for OpenBLAS's own choice).
    public static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Output {
        let dir = try Fixtures.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (name, value) in environment { env[name] = value }
            p.environment = env
        }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        p.waitUntilExit()
        return Output(status: p.terminationStatus,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
