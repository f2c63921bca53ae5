// The one library product analysis scripts import: `import IntrinsicDim`.
// It has no code of its own.
@_exported import CheckpointIO
@_exported import LinearAlgebra
@_exported import Projections
@_exported import Text
@_exported import Models
@_exported import Training
@_exported import RankAnalysis
@_exported import Reports
@_exported import Sweeps
@_exported import Experiments
