// CBLAS from Debian's libopenblas-dev (pthread flavour), found through pkg-config "openblas".
#include <cblas.h>
// OpenBLAS extension: sets the threads of its pool (declared in openblas' cblas.h).
