/* Hand-written ARINC 429 word encode/decode, as an avionics C programmer
 * would write it: a plain struct, the parity from __builtin_parity, the
 * status as the return value. Same function as avionics.arinc429 encode /
 * decode (error codes included). */
#ifndef HAND_ARINC429_H
#define HAND_ARINC429_H
#include <stdint.h>

enum { A429_OK = 0, A429_PARITY_ERROR = 16 };

typedef struct a429_word {
    uint8_t label;
    uint8_t sdi;  /* 2 bits */
    uint32_t data; /* 19 bits */
    uint8_t ssm;  /* 2 bits */
} a429_word;

uint32_t a429_encode(const a429_word *w);
int a429_decode(uint32_t raw, a429_word *out);
#endif
