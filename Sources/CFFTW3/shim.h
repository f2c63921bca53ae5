// FFTW3 (double and single precision) from Debian's libfftw3-dev, found through pkg-config "fftw3".
#include <fftw3.h>

// `fftw_version` is declared through a macro as an array of unknown size,
// which Swift cannot import; expose it through a function.
static inline const char *cfftw3_version(void) { return fftw_version; }
