/* Hand-written infusion programming (dose -> pump rate), as a medical
 * device C programmer would write it. Same function as medtech.infusion
 * program_infusion (error codes and their order included). */
#ifndef HAND_INFUSION_H
#define HAND_INFUSION_H
#include <stdbool.h>
#include <stdint.h>

enum {
    INF_OK = 0,
    INF_DOSE_ABOVE_HARD_LIMIT = 16,
    INF_DOSE_BELOW_HARD_LIMIT = 17,
    INF_RATE_ABOVE_PUMP_MAX = 18,
    INF_RATE_BELOW_RESOLUTION = 19,
    INF_SOFT_LIMIT_NOT_CONFIRMED = 20,
    INF_INVALID_LIMITS = 21,
};

enum { INF_ALERT_NONE = 0, INF_ALERT_SOFT_LOW = 1, INF_ALERT_SOFT_HIGH = 2 };

typedef struct inf_limits {
    uint32_t hard_min, soft_min, soft_max, hard_max; /* 0.01 ug/kg/min */
} inf_limits;

typedef struct inf_order {
    uint32_t dose;          /* 0..100000, 0.01 ug/kg/min */
    uint32_t weight;        /* 500..300000 g */
    uint32_t concentration; /* 1..100000 ug/mL */
    inf_limits limits;
    bool soft_override;
} inf_order;

typedef struct inf_programmed {
    uint32_t rate; /* 0.1 mL/h */
    uint8_t alert;
} inf_programmed;

int inf_program(const inf_order *o, inf_programmed *out);
#endif
