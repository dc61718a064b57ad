/* The C reference of issue 14: one velocity evaluation of the closed-form Gaussian-target blob
 * method (MATH.md section 2) in d = 2, all N^2 pairs, f64, as a plain loop that gcc vectorises
 * (-O3 -march=native -ffast-math -fopenmp: glibc's vector exp). Same cloud law as the other
 * peers (N(0, 0.3^2 I), equal masses; its own generator, so grad0 differs from the others').
 * Prints one JSON line per N: {"impl": "c-reference", "n": ..., "seconds": ..., "grad0": ...}.
 *   gcc -O3 -march=native -ffast-math -fopenmp scripts/blob_reference.c -o blob_reference -lm
 *   ./blob_reference 1000 10000 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static double uniform(unsigned long long *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((*s >> 11) + 0.5) / 9007199254740992.0;
}

int main(int argc, char **argv) {
    const double eps = 0.1, sig = 0.5, pi = 3.141592653589793;
    const double alpha = 2 / (eps * eps) - 1 / (sig * sig);
    const double kappa = 1 / (2 * alpha * eps * eps * eps * eps);
    const double root = sqrt(2 * pi * sig * sig) / (2 * pi * eps * eps) * sqrt(2 * pi / alpha);
    const double norm = root * root, inv = 1 / (2 * eps * eps);
    for (int a = 1; a < argc; a++) {
        int n = atoi(argv[a]);
        double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n);
        double *vx = malloc(sizeof(double) * n), *vy = malloc(sizeof(double) * n);
        unsigned long long seed = 1;
        for (int i = 0; i < n; i++) { /* Box-Muller */
            double u = uniform(&seed), v = uniform(&seed), r = 0.3 * sqrt(-2 * log(u));
            x[i] = r * cos(2 * pi * v);
            y[i] = r * sin(2 * pi * v);
        }
        const double m = 1.0 / n;
        double best = 1e300;
        for (int rep = 0; rep < 3; rep++) {
            double start = omp_get_wtime();
#pragma omp parallel for schedule(static)
            for (int i = 0; i < n; i++) {
                double gx = 0, gy = 0, xi = x[i], yi = y[i];
#pragma omp simd reduction(+ : gx, gy)
                for (int j = 0; j < n; j++) {
                    double sx = xi + x[j], sy = yi + y[j];
                    double e = kappa * (sx * sx + sy * sy) - (xi * xi + yi * yi + x[j] * x[j] + y[j] * y[j]) * inv;
                    double w = m * norm * exp(e);
                    gx += w * (2 * kappa * sx - 2 * inv * xi);
                    gy += w * (2 * kappa * sy - 2 * inv * yi);
                }
                vx[i] = -gx;
                vy[i] = -gy;
            }
            double t = omp_get_wtime() - start;
            if (t < best) best = t;
        }
        printf("{\"impl\": \"c-reference\", \"n\": %d, \"seconds\": %.6e, \"grad0\": %.12e}\n", n, best, -vx[0]);
        free(x); free(y); free(vx); free(vy);
    }
    return 0;
}
