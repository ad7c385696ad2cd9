/* Shared by the benchmark drivers: the fixed-seed PRNG (splitmix64), the
 * checksum fold and the monotonic clock. The Rust and Python drivers
 * implement exactly the same three things. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_POOL 16384u /* inputs generated before the clock starts, reused i % POOL */
#define BENCH_ERR_TAG UINT64_C(0x8000000000000000)

static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

#define FOLD_INIT UINT64_C(0xCBF29CE484222325)
static inline uint64_t fold(uint64_t h, uint64_t v) { return (h ^ v) * UINT64_C(0x100000001B3); }

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static inline void bench_args(int argc, char **argv, uint64_t *n, uint64_t *prefix)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N PREFIX\n", argv[0]);
        exit(2);
    }
    *n = strtoull(argv[1], NULL, 10);
    *prefix = strtoull(argv[2], NULL, 10);
}

static inline void bench_report(uint64_t n, uint64_t ns, uint64_t h, uint64_t prefix, uint64_t hp)
{
    printf("n=%llu ns=%llu checksum=%016llx prefix_n=%llu prefix_checksum=%016llx\n",
           (unsigned long long)n, (unsigned long long)ns, (unsigned long long)h,
           (unsigned long long)prefix, (unsigned long long)hp);
}
#endif
