/* Driver: ARINC 429 encode + decode of N words. -DUPEL_GEN links the
 * generated avionics_arinc429 code, otherwise the hand-written kernel.
 * Per word: raw = encode(w); decode(raw ^ flip) where one word in eight has
 * one bit flipped (a parity error). Checksum folds raw and the decoded
 * fields or the error code. */
#include "common.h"

#ifdef UPEL_GEN
#include "avionics_arinc429.h"
typedef avionics_arinc429_Word word_t;
static inline uint32_t do_encode(const word_t *w)
{
    uint32_t raw = 0;
    if (avionics_arinc429_encode(w, &raw) != UPEL_OK) {
        abort(); /* encode cannot fail */
    }
    return raw;
}
static inline int do_decode(uint32_t raw, word_t *w) { return (int)avionics_arinc429_decode(raw, w); }
#else
#include "arinc429.h"
typedef a429_word word_t;
static inline uint32_t do_encode(const word_t *w) { return a429_encode(w); }
static inline int do_decode(uint32_t raw, word_t *w) { return a429_decode(raw, w); }
#endif

static word_t words[BENCH_POOL];
static uint32_t flips[BENCH_POOL];

int main(int argc, char **argv)
{
    uint64_t n, prefix;
    bench_args(argc, argv, &n, &prefix);
    uint64_t s = UINT64_C(0x0429);
    for (uint32_t j = 0; j < BENCH_POOL; j++) {
        uint64_t x = splitmix64(&s);
        words[j].label = (uint8_t)(x & 0xFFu);
        words[j].sdi = (uint8_t)((x >> 8) & 3u);
        words[j].data = (uint32_t)((x >> 10) & 0x7FFFFu);
        words[j].ssm = (uint8_t)((x >> 29) & 3u);
        flips[j] = ((x >> 32) & 7u) == 0 ? UINT32_C(1) << ((x >> 35) & 31u) : 0u;
    }
    uint64_t h = FOLD_INIT, hp = FOLD_INIT;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        uint32_t j = (uint32_t)(i & (BENCH_POOL - 1u));
        uint32_t raw = do_encode(&words[j]);
        word_t d;
        int st = do_decode(raw ^ flips[j], &d);
        uint64_t low = st == 0
            ? ((uint64_t)d.label | (uint64_t)d.sdi << 8 | (uint64_t)d.data << 10 | (uint64_t)d.ssm << 29)
            : (UINT64_C(0x80000000) | (uint64_t)st);
        h = fold(h, (uint64_t)raw << 32 | low);
        if (i + 1 == prefix) {
            hp = h;
        }
    }
    uint64_t t1 = now_ns();
    bench_report(n, t1 - t0, h, prefix, hp);
    return 0;
}
