import Models

extension RunSpecification.LoRA {
    /// The modules a ``Models/BertClassifier`` trains in full in LoRA training: its new head, as
    /// PEFT's `task_type="SEQ_CLS"` adds `["classifier", "score"]` to `modules_to_save`
    /// (`score` does not exist in a BERT model and is only recorded).
    public static let sequenceClassificationSavedModules = ["classifier", "score"]

    /// The map for `model`: ``targets`` are PEFT's `target_modules` keys (`query`, `value`,
    /// `dense`, …), each selecting every linear module whose name is the key or ends in `.` + key
    /// (``LoRAMap/modules(matching:in:excluding:)``); the classifier is trained in full
    /// (``LoRAMap/savedTensors``); A is drawn from `seed`'s streams.
    ///
    /// - Throws: ``TrainingError/invalidOption(_:_:)`` naming `--targets` for a key selecting no
    ///   module or selecting an embedding (PEFT's `lora_embedding_A/B`, not implemented for
    ///   encoders), `--rank`/`--alpha` as ``LoRAMap/init(layout:modules:rank:alpha:useRSLoRA:initialization:capRank:savedModules:seed:threads:)``.
    public func makeEncoderMap(for model: BertClassifier, seed: UInt64, threads: Int) throws(TrainingError) -> LoRAMap {
        let modules = try LoRAMap.modules(matching: targets, in: model.layout, excluding: Self.sequenceClassificationSavedModules)
        if let embedding = modules.first(where: { $0.contains(".embeddings.") }) {
            throw .invalidOption("targets", "\(targets.joined(separator: ",")) selects the embedding \(embedding); LoRA on embeddings is not implemented for encoders (only linear modules)")
        }
        return try LoRAMap(layout: model.layout, modules: modules, rank: rank, alpha: alpha, useRSLoRA: useRSLoRA,
                           initialization: initialization, capRank: capRank, savedModules: ["classifier"], seed: seed, threads: threads)
    }
}
