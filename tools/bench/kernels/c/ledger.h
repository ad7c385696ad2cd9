/* Hand-written posting and interest, as a payments C programmer would write
 * them: plain structs passed by pointer, __builtin_add_overflow for the
 * balance, early returns with the error code. Same function as
 * fintech.ledger apply_posting / daily_interest (error codes and their
 * order included). */
#ifndef HAND_LEDGER_H
#define HAND_LEDGER_H
#include <stdint.h>

enum {
    LEDGER_OK = 0,
    LEDGER_TOO_FEW_LEGS = 16,
    LEDGER_TOO_MANY_LEGS = 17,
    LEDGER_NON_POSITIVE_AMOUNT = 18,
    LEDGER_AMOUNT_TOO_LARGE = 19,
    LEDGER_UNUSED_LEG_NOT_EMPTY = 20,
    LEDGER_UNBALANCED = 21,
    LEDGER_CURRENCY_MISMATCH = 22,
    LEDGER_BALANCE_OVERFLOW = 23,
    LEDGER_BELOW_FLOOR = 24,
    LEDGER_ACCOUNT_MISMATCH = 25,
};

enum { LEDGER_DEBIT = 0, LEDGER_CREDIT = 1 };

typedef struct ledger_leg {
    uint32_t account;
    uint8_t direction;
    int64_t amount;
} ledger_leg;

typedef struct ledger_posting {
    uint64_t id;
    uint16_t currency; /* ISO 4217 numeric */
    uint8_t leg_count;
    ledger_leg legs[4];
} ledger_posting;

typedef struct ledger_account {
    uint32_t id;
    uint16_t currency;
    uint8_t normal_side;
    int64_t balance;
    int64_t floor;
} ledger_account;

int ledger_apply_posting(const ledger_account *a, const ledger_posting *p, ledger_account *out);
int ledger_daily_interest(int64_t balance, uint16_t rate_bp, uint16_t days, int64_t *out);
#endif
