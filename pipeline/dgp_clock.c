/*
 * dgp_clock.c — the clocks and sleeps (dgp_clock.h).
 */
#include "dgp_clock.h"

#include <time.h>

static struct timespec now(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts;
}

double dgp_clock_mono_s(void)
{
	struct timespec ts = now(CLOCK_MONOTONIC);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double dgp_clock_mono_coarse_s(void)
{
	struct timespec ts = now(CLOCK_MONOTONIC_COARSE);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t dgp_clock_mono_ms(void)
{
	struct timespec ts = now(CLOCK_MONOTONIC);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double dgp_clock_wall_s(void)
{
	struct timespec ts = now(CLOCK_REALTIME);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t dgp_clock_wall_ms(void)
{
	struct timespec ts = now(CLOCK_REALTIME);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dgp_clock_sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

void dgp_clock_sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	nanosleep(&ts, NULL);
}
