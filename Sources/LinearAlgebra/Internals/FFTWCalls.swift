// The one place this module touches FFTW. For now only its version string
// (recorded in provenance); the Walsh–Hadamard plans arrive with the projections.
internal import CFFTW3

internal func fftwVersionString() -> String { String(cString: cfftw3_version()) }
