// LAPACKE from Debian's liblapacke-dev, found through pkg-config "lapacke".
#include <lapacke.h>
