/* Driver: fintech posting + interest over N entries. -DUPEL_GEN links the
 * generated fintech_ledger code, otherwise the hand-written kernel.
 * Per entry: apply_posting(account, posting); when it succeeds,
 * daily_interest(new balance, rate, days). The inputs mix valid postings
 * with every error case (leg count, amounts, unbalanced, currency,
 * overflow, floor, interest range). */
#include "common.h"

#include <stdbool.h>

#ifdef UPEL_GEN
#include "fintech_ledger.h"
typedef fintech_ledger_Account account_t;
typedef fintech_ledger_Posting posting_t;
#define LEG(p, k) ((p)->legs.v[k])
static inline int do_post(const account_t *a, const posting_t *p, account_t *out) { return (int)fintech_ledger_apply_posting(a, p, out); }
static inline int do_interest(int64_t b, uint16_t r, uint16_t d, int64_t *out) { return (int)fintech_ledger_daily_interest(b, r, d, out); }
#else
#include "ledger.h"
typedef ledger_account account_t;
typedef ledger_posting posting_t;
#define LEG(p, k) ((p)->legs[k])
static inline int do_post(const account_t *a, const posting_t *p, account_t *out) { return ledger_apply_posting(a, p, out); }
static inline int do_interest(int64_t b, uint16_t r, uint16_t d, int64_t *out) { return ledger_daily_interest(b, r, d, out); }
#endif

static account_t accounts[BENCH_POOL];
static posting_t postings[BENCH_POOL];
static uint16_t rates[BENCH_POOL], days[BENCH_POOL];
static const uint16_t CUR[5] = {756, 826, 840, 978, 392};

static void make_inputs(void)
{
    uint64_t s = UINT64_C(0x1ED6E5);
    for (uint32_t j = 0; j < BENCH_POOL; j++) {
        account_t *a = &accounts[j];
        posting_t *p = &postings[j];
        uint64_t x = splitmix64(&s);
        a->id = (uint32_t)(1 + (x & 3u));
        a->currency = CUR[((x >> 2) & 0xFFu) % 5u];
        a->normal_side = (uint8_t)((x >> 10) & 1u);
        uint64_t y = splitmix64(&s);
        uint64_t kind = (x >> 11) & 15u;
        if (kind == 0) {
            a->balance = INT64_MAX - (int64_t)(y % UINT64_C(3000000000));
        } else if (kind == 1) {
            a->balance = INT64_MIN + (int64_t)(y % UINT64_C(3000000000));
        } else {
            a->balance = (int64_t)(y % UINT64_C(2000000000001)) - INT64_C(1000000000000);
        }
        a->floor = ((x >> 15) & 1u) ? 0 : -(int64_t)((x >> 16) % UINT64_C(1000000000));
        p->id = splitmix64(&s);
        p->currency = ((x >> 46) & 31u) != 0 ? a->currency : CUR[(x >> 51) % 5u];
        uint64_t z = splitmix64(&s);
        p->leg_count = (uint8_t)(((z >> 3) & 15u) == 0 ? (z & 7u) : 2u + ((z >> 7) % 3u));
        unsigned used = p->leg_count < 4 ? p->leg_count : 4;
        int64_t debits = 0, credits = 0;
        for (unsigned k = 0; k < 4; k++) {
            LEG(p, k).account = 0;
            LEG(p, k).direction = 0;
            LEG(p, k).amount = 0;
        }
        for (unsigned k = 0; k < used; k++) {
            uint64_t r = splitmix64(&s);
            LEG(p, k).account = (uint32_t)(1 + ((r >> 32) & 3u));
            if (k > 0 && k == used - 1) {
                bool credit = debits >= credits;
                LEG(p, k).direction = credit ? 1 : 0;
                LEG(p, k).amount = credit ? debits - credits : credits - debits;
            } else {
                uint8_t dir = k == 0 ? 0 : k == 1 ? 1 : (uint8_t)((r >> 40) & 1u);
                int64_t amount = 1 + (int64_t)(r % UINT64_C(1000000000));
                LEG(p, k).direction = dir;
                LEG(p, k).amount = amount;
                if (dir == 0) {
                    debits += amount;
                } else {
                    credits += amount;
                }
            }
        }
        uint64_t w = splitmix64(&s);
        unsigned k = (unsigned)((w >> 5) & 3u);
        switch (w & 31u) {
        case 0: LEG(p, k).amount = k < used ? 0 : 5; break;
        case 1: LEG(p, k).amount = INT64_C(1000000000000001); break;
        case 2: LEG(p, k).amount += 1; break;
        case 3: LEG(p, k).amount = -LEG(p, k).amount; break;
        default: break;
        }
        rates[j] = (uint16_t)(splitmix64(&s) % 10001u);
        days[j] = (uint16_t)(splitmix64(&s) % 367u);
    }
}

int main(int argc, char **argv)
{
    uint64_t n, prefix;
    bench_args(argc, argv, &n, &prefix);
    make_inputs();
    uint64_t h = FOLD_INIT, hp = FOLD_INIT;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        uint32_t j = (uint32_t)(i & (BENCH_POOL - 1u));
        account_t out;
        int st = do_post(&accounts[j], &postings[j], &out);
        if (st != 0) {
            h = fold(h, BENCH_ERR_TAG | (uint64_t)st);
        } else {
            h = fold(h, (uint64_t)out.balance);
            int64_t interest;
            int st2 = do_interest(out.balance, rates[j], days[j], &interest);
            h = fold(h, st2 != 0 ? (BENCH_ERR_TAG | (uint64_t)st2) : (uint64_t)interest);
        }
        if (i + 1 == prefix) {
            hp = h;
        }
    }
    uint64_t t1 = now_ns();
    bench_report(n, t1 - t0, h, prefix, hp);
    return 0;
}
