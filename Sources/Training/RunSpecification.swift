import Models
import LinearAlgebra
import Projections

/// Everything that determines one training run except where its data live:
/// recorded in `run.json`, and compared option by option when a sweep
/// resumes. Two runs with equal specifications give bit-identical weights.
public struct RunSpecification: Sendable, Hashable, Codable {
    /// The subspace construction of a subspace run.
    public struct Subspace: Sendable, Hashable, Codable {
        /// dense, sparse or fastfood.
        public var projection: ProjectionDescriptor.Kind
        /// d, the number of trained parameters (for SAID including its per-tensor scales).
        public var d: Int
        /// The seed of P's streams.
        public var projectionSeed: UInt64
        /// One P per tensor, each normalised over its own rows.
        public var perTensor: Bool = false
        /// SAID: per-tensor P with one trained scale per tensor (implies per-tensor).
        public var said: Bool = false
        /// Fastfood's stacked block length, or `nil` for one block.
        public var blockLength: Int? = nil
        /// Fastfood's WHT kernel.
        public var wht: WalshHadamard.Implementation = .native

        /// A subspace construction; d and the block length are checked by ``makeMap(for:memoryBudget:threads:)``.
        public init(projection: ProjectionDescriptor.Kind, d: Int, projectionSeed: UInt64, perTensor: Bool = false,
                    said: Bool = false, blockLength: Int? = nil, wht: WalshHadamard.Implementation = .native) {
            self.projection = projection
            self.d = d
            self.projectionSeed = projectionSeed
            self.perTensor = perTensor
            self.said = said
            self.blockLength = blockLength
            self.wht = wht
        }

        /// P's description for a model of layout `layout`.
        public func descriptor(for layout: ParameterLayout) -> ProjectionDescriptor {
            ProjectionDescriptor(kind: projection, fullDimension: layout.count, subspaceDimension: d, seed: projectionSeed,
                                 blockLength: blockLength, wht: wht,
                                 tensorSizes: perTensor || said ? layout.tensorSizes : nil)
        }

        /// The map θ_d ↦ δθ_D.
        ///
        /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `--d` when
        ///   d ≤ 0 or d > D (or the block length is invalid).
        public func makeMap(for layout: ParameterLayout, memoryBudget: Int, threads: Int) throws(TrainingError) -> any SubspaceMap {
            let desc = descriptor(for: layout)
            do {
                if said { return try SAIDMap(desc, memoryBudget: memoryBudget, threads: threads) }
                return try desc.make(memoryBudget: memoryBudget, threads: threads)
            } catch {
                throw .invalidOption("d", "\(error) (the model has D = \(layout.count) parameters)")
            }
        }
    }

    /// The LoRA configuration of a LoRA run.
    public struct LoRA: Sendable, Hashable, Codable {
        /// r.
        public var rank: Int
        /// α (default r, so s = 1).
        public var alpha: Double
        /// s = α/√r instead of α/r.
        public var useRSLoRA: Bool = false
        /// The adapted modules (`fc1`, `conv1`, …).
        public var targets: [String]
        /// How A is drawn.
        public var initialization: LoRAMap.Initialization = .kaiming
        /// Whether a target smaller than r gets rank min(out, in) (see ``LoRAMap``) instead of an error.
        public var capRank: Bool = false

        /// A LoRA configuration; α defaults to r (s = 1). Checked by ``makeMap(for:seed:threads:)``.
        public init(rank: Int, alpha: Double? = nil, useRSLoRA: Bool = false, targets: [String],
                    initialization: LoRAMap.Initialization = .kaiming, capRank: Bool = false) {
            self.rank = rank
            self.alpha = alpha ?? Double(rank)
            self.useRSLoRA = useRSLoRA
            self.targets = targets
            self.initialization = initialization
            self.capRank = capRank
        }

        private enum CodingKeys: String, CodingKey { case rank, alpha, useRSLoRA, targets, initialization, capRank }

        /// Reads `capRank` as `false` where a record written before it existed lacks it.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            rank = try c.decode(Int.self, forKey: .rank)
            alpha = try c.decode(Double.self, forKey: .alpha)
            useRSLoRA = try c.decode(Bool.self, forKey: .useRSLoRA)
            targets = try c.decode([String].self, forKey: .targets)
            initialization = try c.decode(LoRAMap.Initialization.self, forKey: .initialization)
            capRank = try c.decodeIfPresent(Bool.self, forKey: .capRank) ?? false
        }

        /// The map for a model of layout `layout`, A drawn from `seed`'s streams.
        public func makeMap(for layout: ParameterLayout, seed: UInt64, threads: Int) throws(TrainingError) -> LoRAMap {
            try LoRAMap(layout: layout, modules: targets, rank: rank, alpha: alpha, useRSLoRA: useRSLoRA,
                        initialization: initialization, capRank: capRank, seed: seed, threads: threads)
        }
    }

    /// The architecture (`fc` or `lenet`).
    public var model: ModelKind
    /// `mnist`, `fashion-mnist` or the `.npz` path as given.
    public var dataset: String
    /// The model's output count; labels must be below it.
    public var classes: Int = 10
    /// The held-out fraction of an `.npz` dataset without `x_test`.
    public var testFraction: Double = 0.1
    /// `nil` for full training.
    public var subspace: Subspace?
    /// `nil` unless this is a LoRA run.
    public var lora: LoRA?
    /// The `--init` checkpoint (θ_D⁰), or `nil` for He-normal weights from the seed.
    public var initCheckpoint: String?
    /// The hyper-parameters and seed.
    public var options: TrainingOptions

    /// A specification; a full run when both `subspace` and `lora` are `nil`.
    public init(model: ModelKind, dataset: String, classes: Int = 10, testFraction: Double = 0.1,
                subspace: Subspace? = nil, lora: LoRA? = nil, initCheckpoint: String? = nil, options: TrainingOptions) {
        self.lora = lora
        self.model = model
        self.dataset = dataset
        self.classes = classes
        self.testFraction = testFraction
        self.subspace = subspace
        self.initCheckpoint = initCheckpoint
        self.options = options
    }

    /// `full`, `subspace` or `lora`.
    public var modeName: String { lora != nil ? "lora" : subspace == nil ? "full" : "subspace" }
}
