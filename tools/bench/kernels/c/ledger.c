/* Hand-written posting and interest (see ledger.h). */
#include "ledger.h"

#include <stdbool.h>

#define MAX_LEG_AMOUNT INT64_C(1000000000000000)
#define MAX_INTEREST_BALANCE INT64_C(1000000000000)
#define INTEREST_DIVISOR INT64_C(3650000)

static int validate(const ledger_posting *p, int64_t *total)
{
    if (p->leg_count < 2) {
        return LEDGER_TOO_FEW_LEGS;
    }
    if (p->leg_count > 4) {
        return LEDGER_TOO_MANY_LEGS;
    }
    /* every used amount is in 1..10^15, so four of them cannot overflow */
    int64_t debits = 0, credits = 0;
    for (unsigned i = 0; i < 4; i++) {
        const ledger_leg *l = &p->legs[i];
        if (i < p->leg_count) {
            if (l->amount <= 0) {
                return LEDGER_NON_POSITIVE_AMOUNT;
            }
            if (l->amount > MAX_LEG_AMOUNT) {
                return LEDGER_AMOUNT_TOO_LARGE;
            }
            if (l->direction == LEDGER_DEBIT) {
                debits += l->amount;
            } else {
                credits += l->amount;
            }
        } else if (l->amount != 0) {
            return LEDGER_UNUSED_LEG_NOT_EMPTY;
        }
    }
    if (debits != credits) {
        return LEDGER_UNBALANCED;
    }
    *total = debits;
    return LEDGER_OK;
}

int ledger_apply_posting(const ledger_account *a, const ledger_posting *p, ledger_account *out)
{
    int64_t total;
    int st = validate(p, &total);
    if (st != LEDGER_OK) {
        return st;
    }
    if (p->currency != a->currency) {
        return LEDGER_CURRENCY_MISMATCH;
    }
    ledger_account acc = *a;
    for (unsigned i = 0; i < p->leg_count; i++) {
        const ledger_leg *l = &p->legs[i];
        if (l->account != acc.id) {
            continue;
        }
        /* the amount is positive (validated), so its negation cannot overflow */
        int64_t delta = l->direction == acc.normal_side ? l->amount : -l->amount;
        int64_t balance;
        if (__builtin_add_overflow(acc.balance, delta, &balance)) {
            return LEDGER_BALANCE_OVERFLOW;
        }
        if (balance < acc.floor) {
            return LEDGER_BELOW_FLOOR;
        }
        acc.balance = balance;
    }
    *out = acc;
    return LEDGER_OK;
}

/* n / d rounded half to even; d > 0. */
static int64_t div_half_even(int64_t n, int64_t d)
{
    int64_t q = n / d, r = n % d;
    int64_t twice = (r < 0 ? -r : r) * 2;
    if (twice < d || (twice == d && q % 2 == 0)) {
        return q;
    }
    return n < 0 ? q - 1 : q + 1;
}

int ledger_daily_interest(int64_t balance, uint16_t rate_bp, uint16_t days, int64_t *out)
{
    if (balance > MAX_INTEREST_BALANCE || balance < -MAX_INTEREST_BALANCE) {
        return LEDGER_AMOUNT_TOO_LARGE;
    }
    /* |balance| <= 10^12, rate <= 10^4, days <= 366: the product fits an int64 */
    *out = div_half_even(balance * rate_bp * days, INTEREST_DIVISOR);
    return LEDGER_OK;
}
