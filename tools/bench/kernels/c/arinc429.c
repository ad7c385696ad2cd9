/* Hand-written ARINC 429 encode/decode (see arinc429.h). */
#include "arinc429.h"

uint32_t a429_encode(const a429_word *w)
{
    uint32_t body = (uint32_t)w->label | (uint32_t)w->sdi << 8 | w->data << 10 | (uint32_t)w->ssm << 29;
    /* odd parity over the word: set bit 32 when bits 1..31 hold an even count */
    return body | (uint32_t)(__builtin_parity(body) ^ 1) << 31;
}

int a429_decode(uint32_t raw, a429_word *out)
{
    if (!__builtin_parity(raw)) {
        return A429_PARITY_ERROR;
    }
    out->label = (uint8_t)(raw & 0xFFu);
    out->sdi = (uint8_t)((raw >> 8) & 0x3u);
    out->data = (raw >> 10) & 0x7FFFFu;
    out->ssm = (uint8_t)((raw >> 29) & 0x3u);
    return A429_OK;
}
