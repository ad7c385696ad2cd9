/* Driver: infusion dose -> pump rate (program_infusion) over N orders.
 * -DUPEL_GEN links the generated medtech_infusion code, otherwise the
 * hand-written kernel. Orders mix the drug library's dopamine limits with
 * random (often invalid) limits, doses around and far beyond the limits,
 * and concentrations that push the rate out of the pump's range. */
#include "common.h"

#ifdef UPEL_GEN
#include "medtech_infusion.h"
typedef medtech_infusion_Order order_t;
typedef medtech_infusion_Programmed programmed_t;
static inline int do_program(const order_t *o, programmed_t *out) { return (int)medtech_infusion_program_infusion(o, out); }
#else
#include "infusion.h"
typedef inf_order order_t;
typedef inf_programmed programmed_t;
static inline int do_program(const order_t *o, programmed_t *out) { return inf_program(o, out); }
#endif

static order_t orders[BENCH_POOL];

int main(int argc, char **argv)
{
    uint64_t n, prefix;
    bench_args(argc, argv, &n, &prefix);
    uint64_t s = UINT64_C(0x1F05E);
    for (uint32_t j = 0; j < BENCH_POOL; j++) {
        order_t *o = &orders[j];
        uint64_t x = splitmix64(&s), y = splitmix64(&s), z = splitmix64(&s), w = splitmix64(&s);
        o->dose = (uint32_t)(((x >> 20) & 1u) ? (x >> 21) % 6001u : (x >> 21) % 100001u);
        o->weight = (uint32_t)(500u + y % 299501u);
        o->concentration = (uint32_t)((z & 1u) ? 1600u : 1u + (z >> 1) % 100000u);
        if ((w & 7u) != 0) {
            o->limits.hard_min = 50; o->limits.soft_min = 200; o->limits.soft_max = 2000; o->limits.hard_max = 5000;
        } else {
            o->limits.hard_min = (uint32_t)((w >> 8) % 100001u);
            o->limits.soft_min = (uint32_t)((w >> 25) % 100001u);
            o->limits.soft_max = (uint32_t)(splitmix64(&s) % 100001u);
            o->limits.hard_max = (uint32_t)(splitmix64(&s) % 100001u);
        }
        o->soft_override = ((w >> 3) & 1u) != 0;
    }
    uint64_t h = FOLD_INIT, hp = FOLD_INIT;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        programmed_t out;
        int st = do_program(&orders[i & (BENCH_POOL - 1u)], &out);
        h = fold(h, st != 0 ? (BENCH_ERR_TAG | (uint64_t)st) : ((uint64_t)out.rate | (uint64_t)out.alert << 16));
        if (i + 1 == prefix) {
            hp = h;
        }
    }
    uint64_t t1 = now_ns();
    bench_report(n, t1 - t0, h, prefix, hp);
    return 0;
}
