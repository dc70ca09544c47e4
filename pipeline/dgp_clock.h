/*
 * dgp_clock.h — the clocks and sleeps every module uses.
 *
 * Monotonic time measures durations and deadlines (it never jumps with the
 * wall clock); wall time stamps what people or other systems read (Unix
 * epoch).  Sleeps are nanosleep and return early on a signal, so a loop
 * that sleeps can re-check its stop flag.
 */
#ifndef DGP_CLOCK_H
#define DGP_CLOCK_H

#include <stdint.h>

/* dgp_clock_mono_s / _ms — CLOCK_MONOTONIC in seconds / milliseconds. */
double dgp_clock_mono_s(void);
int64_t dgp_clock_mono_ms(void);

/*
 * dgp_clock_mono_coarse_s — CLOCK_MONOTONIC_COARSE in seconds: the time of
 * the last timer tick (a few milliseconds' resolution), read without the
 * clock source, for a check made once per record (a batch's age).
 */
double dgp_clock_mono_coarse_s(void);

/* dgp_clock_wall_s / _ms — CLOCK_REALTIME since the Unix epoch in seconds / milliseconds. */
double dgp_clock_wall_s(void);
int64_t dgp_clock_wall_ms(void);

/* dgp_clock_sleep_ms / _s — sleep that long (nothing for <= 0); a signal ends it early. */
void dgp_clock_sleep_ms(int64_t ms);
void dgp_clock_sleep_s(double s);

#endif /* DGP_CLOCK_H */
