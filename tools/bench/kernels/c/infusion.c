/* Hand-written infusion programming (see infusion.h). */
#include "infusion.h"

int inf_program(const inf_order *o, inf_programmed *out)
{
    const inf_limits *l = &o->limits;
    if (!(l->hard_min <= l->soft_min && l->soft_min <= l->soft_max && l->soft_max <= l->hard_max)) {
        return INF_INVALID_LIMITS;
    }
    uint8_t alert = INF_ALERT_NONE;
    if (o->dose > l->hard_max) {
        return INF_DOSE_ABOVE_HARD_LIMIT;
    } else if (o->dose < l->hard_min) {
        return INF_DOSE_BELOW_HARD_LIMIT;
    } else if (o->dose > l->soft_max) {
        if (!o->soft_override) {
            return INF_SOFT_LIMIT_NOT_CONFIRMED;
        }
        alert = INF_ALERT_SOFT_HIGH;
    } else if (o->dose < l->soft_min) {
        if (!o->soft_override) {
            return INF_SOFT_LIMIT_NOT_CONFIRMED;
        }
        alert = INF_ALERT_SOFT_LOW;
    }
    /* dose <= 10^5, weight <= 3*10^5: dose * weight * 6 < 2^40, no overflow */
    uint64_t numerator = (uint64_t)o->dose * o->weight * 6u;
    uint64_t denominator = (uint64_t)o->concentration * 1000u;
    uint64_t rate = (numerator + denominator / 2u) / denominator;
    if (rate > 9999u) {
        return INF_RATE_ABOVE_PUMP_MAX;
    }
    if (rate == 0u) {
        return INF_RATE_BELOW_RESOLUTION;
    }
    out->rate = (uint32_t)rate;
    out->alert = alert;
    return INF_OK;
}
