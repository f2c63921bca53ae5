// swift-tools-version:6.0
//
// intrinsic-dim: measure how few parameters fine-tuning really needs.
//
// Layers (each imports only layers below it):
//   CBLAS, CLAPACKE, CFFTW3,  system libraries from Debian (libopenblas-dev, liblapacke-dev, libfftw3-dev,
//   CZlib                     zlib1g-dev)
//   LinearAlgebra             matrices, BLAS/LAPACK wrappers (GEMM, GEMV, SVD, QR), Walsh–Hadamard
//   Projections               Philox streams; dense, sparse and Fastfood random projections
//   CheckpointIO              safetensors (single and sharded), NumPy .npy/.npz, IDX and .npz datasets
//   Text                      BERT WordPiece tokenizer (BertTokenizerFast's ids); TSV/CSV/JSONL/Orange .tab text datasets
//   Models                    the architectures: FC, LeNet-5 and BERT-family encoders from Hugging Face folders;
//                             parameter layouts, forward/backward, checkpoints
//   Training                  trainer, optimisers, schedules, full/subspace/LoRA training maps, data splits;
//                             full fine-tuning of encoders on text (AdamW)
//   RankAnalysis              ΔW spectra and effective-rank metrics; LoRA compare and extraction
//   Reports                   CSV / JSON outputs, atomic file writes
//   Sweeps                    d / r sweeps as a library call: plan, journal, search, d_int90/r_int90, shards and merge
//   Experiments               experiment finetune as a library call (pretrain → sweeps → rank, compare, extract)
//   IntrinsicDim              the one library product: re-exports the modules above
//   intrinsic-dim             the command-line tool (the only target that prints or exits)
//   Examples/*                analysis scripts on IntrinsicDim, run by scripts/run-examples.sh
import PackageDescription

let package = Package(
    name: "intrinsic-dim",
    products: [
        .library(name: "IntrinsicDim", targets: ["IntrinsicDim"]),
        .executable(name: "intrinsic-dim", targets: ["intrinsic-dim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(
            name: "CFFTW3", pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Public API
        .target(
            name: "LinearAlgebra",
            dependencies: ["CBLAS", "CLAPACKE", "CFFTW3"]),
        .target(
            name: "Projections",
            dependencies: ["LinearAlgebra"]),
        .target(
            name: "CheckpointIO",
            dependencies: ["LinearAlgebra", "CZlib"]),
        .target(
            name: "Text",
            dependencies: ["CheckpointIO"]),
        .target(
            name: "Models",
            dependencies: ["LinearAlgebra", "Projections", "CheckpointIO"]),
        .target(
            name: "Training",
            dependencies: ["LinearAlgebra", "Projections", "CheckpointIO", "Text", "Models"]),
        .target(
            name: "RankAnalysis",
            dependencies: ["LinearAlgebra", "Projections", "CheckpointIO"]),
        .target(
            name: "Reports",
            dependencies: ["LinearAlgebra", "CheckpointIO", "Text", "Models", "Training", "RankAnalysis"]),
        .target(
            name: "Sweeps",
            dependencies: ["LinearAlgebra", "Projections", "CheckpointIO", "Text", "Models", "Training", "Reports"]),
        .target(
            name: "Experiments",
            dependencies: ["CheckpointIO", "Models", "Training", "RankAnalysis", "Reports", "Sweeps"]),
        .target(
            name: "IntrinsicDim",
            dependencies: ["LinearAlgebra", "Projections", "CheckpointIO", "Text", "Models", "Training", "RankAnalysis", "Reports", "Sweeps", "Experiments"]),
        .executableTarget(
            name: "intrinsic-dim",
            dependencies: ["IntrinsicDim", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: - Examples
        // Small analysis scripts that use the library as a researcher would; each runs from the
        // repository root on committed files and checks its own result (scripts/run-examples.sh).
        .executableTarget(
            name: "SpectraOfTwoCheckpoints", dependencies: ["IntrinsicDim"],
            path: "Examples/SpectraOfTwoCheckpoints"),
        .executableTarget(
            name: "SubspaceTraining", dependencies: ["IntrinsicDim"],
            path: "Examples/SubspaceTraining"),
        .executableTarget(
            name: "AdapterSimilarity", dependencies: ["IntrinsicDim"],
            path: "Examples/AdapterSimilarity"),
        .executableTarget(
            name: "ExtractAndMerge", dependencies: ["IntrinsicDim"],
            path: "Examples/ExtractAndMerge"),
        .executableTarget(
            name: "SweepAndExperiment", dependencies: ["IntrinsicDim"],
            path: "Examples/SweepAndExperiment"),

        // MARK: - Implementation details
        .target(name: "_TestSupport", dependencies: ["IntrinsicDim"], path: "Sources/_TestSupport"),

        // MARK: - Fuzz targets
        // libFuzzer entry points (LLVMFuzzerTestOneInput) for every parser of untrusted files.
        // scripts/fuzz.sh builds them with -sanitize=fuzzer,address -DFUZZING; an ordinary build
        // makes each a replayer of the files given as arguments (Fuzz/README.md).
        .target(name: "_FuzzSupport", dependencies: ["CheckpointIO"], path: "Fuzz/_FuzzSupport"),
        .executableTarget(name: "FuzzSafetensors", dependencies: ["CheckpointIO", "_FuzzSupport"], path: "Fuzz/FuzzSafetensors"),
        .executableTarget(name: "FuzzNPY", dependencies: ["CheckpointIO", "_FuzzSupport"], path: "Fuzz/FuzzNPY"),
        .executableTarget(name: "FuzzNPZ", dependencies: ["CheckpointIO", "_FuzzSupport"], path: "Fuzz/FuzzNPZ"),
        .executableTarget(name: "FuzzIDX", dependencies: ["CheckpointIO", "_FuzzSupport"], path: "Fuzz/FuzzIDX"),
        .executableTarget(name: "FuzzAdapterConfig", dependencies: ["CheckpointIO", "_FuzzSupport"], path: "Fuzz/FuzzAdapterConfig"),
        .executableTarget(name: "FuzzSweepJournal", dependencies: ["Sweeps", "_FuzzSupport"], path: "Fuzz/FuzzSweepJournal"),
        .executableTarget(name: "FuzzTextFile", dependencies: ["Text", "_FuzzSupport"], path: "Fuzz/FuzzTextFile"),
        .executableTarget(name: "FuzzTokenizer", dependencies: ["Text", "_FuzzSupport"], path: "Fuzz/FuzzTokenizer"),

        // MARK: - Unit test bundles
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "_TestSupport"]),
        .testTarget(name: "ProjectionsTests", dependencies: ["Projections", "LinearAlgebra", "_TestSupport"]),
        .testTarget(name: "CheckpointIOTests", dependencies: ["CheckpointIO", "_TestSupport"]),
        .testTarget(name: "RankAnalysisTests", dependencies: ["RankAnalysis", "CheckpointIO", "_TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Projections", "CheckpointIO", "_TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Text", "Projections", "CheckpointIO", "_TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "_TestSupport"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Training", "_TestSupport"]),
        .testTarget(name: "TextTests", dependencies: ["Text", "_TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["IntrinsicDim", "_TestSupport"]),
    ]
)
