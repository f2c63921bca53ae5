// The floor of `rank` on a pair: FLOPs of its factorisations divided by this
// machine's DGEMM rate, with the BLAS intrinsic-dim links (Debian's OpenBLAS).
//
//   cc -O2 bench/rank/gemm_rate.c -o /tmp/gemm_rate $(pkg-config --cflags --libs openblas) && /tmp/gemm_rate
//
// Prints the best of 5 square DGEMMs (n = 2048) on 1 and on 2 OpenBLAS threads.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const int n = 2048;
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
    for (long i = 0; i < (long)n * n; i++) { a[i] = (double)(i % 97) / 97 - 0.5; b[i] = (double)(i % 89) / 89 - 0.5; }
    for (int threads = 1; threads <= 2; threads++) {
        openblas_set_num_threads(threads);
        double best = 1e30;
        for (int r = 0; r < 5; r++) {
            double t = now();
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
            t = now() - t;
            if (t < best) best = t;
        }
        printf("dgemm %d thread(s): %.1f GFLOP/s (n=%d, best of 5)\n", threads, 2.0 * n * n * n / best / 1e9, n);
    }
    return 0;
}
