/*
 * scale.c - scales, weighted mean, coverage, rounding and bands: the pure
 * arithmetic of a health score (see scale.h).
 */
#include <math.h>
#include <stddef.h>

#include "scale.h"

const char *vt_scale_problem(const vt_scale *s)
{
    switch (s->kind) {
    case VT_SCALE_NONE:
        return NULL;
    case VT_SCALE_LINEAR:
        if (!isfinite(s->lo) || !isfinite(s->hi))
            return "linear(lo, hi) needs two finite numbers";
        if (s->lo == s->hi)
            return "linear(lo, hi) needs lo ~= hi";
        if (!isfinite(s->hi - s->lo))
            return "linear(lo, hi): lo and hi are too far apart";
        return NULL;
    case VT_SCALE_INVERSE:
        if (!isfinite(s->lo) || !isfinite(s->hi))
            return "inverse(lo, hi) needs two finite numbers";
        if (!(s->lo < s->hi))
            return "inverse(lo, hi) needs lo < hi";
        if (!isfinite(s->hi - s->lo))
            return "inverse(lo, hi): lo and hi are too far apart";
        return NULL;
    case VT_SCALE_STEPS:
        if (s->n_steps < 1)
            return "steps{...} needs at least one {threshold, score} step";
        for (int i = 0; i < s->n_steps; i++) {
            if (!isfinite(s->steps[i].threshold))
                return "steps{...}: thresholds must be finite numbers";
            if (!vt_is_score(s->steps[i].score))
                return "steps{...}: scores must be numbers from 0 to 100";
            if (i > 0 && !(s->steps[i - 1].threshold < s->steps[i].threshold))
                return "steps{...}: thresholds must be in ascending order";
        }
        return NULL;
    }
    return "unknown scale";
}

double vt_clamp_score(double x)
{
    if (!(x >= 0.0))   /* NaN too */
        return 0.0;
    if (x > 100.0)
        return 100.0;
    return x;
}

int vt_is_score(double x)
{
    return isfinite(x) && x >= 0.0 && x <= 100.0;
}

double vt_scale_apply(const vt_scale *s, double value)
{
    switch (s->kind) {
    case VT_SCALE_NONE:
        return vt_clamp_score(value);
    case VT_SCALE_LINEAR:
        return vt_clamp_score((value - s->lo) / (s->hi - s->lo) * 100.0);
    case VT_SCALE_INVERSE:
        return vt_clamp_score((s->hi - value) / (s->hi - s->lo) * 100.0);
    case VT_SCALE_STEPS: {
        double score = 0.0;
        for (int i = 0; i < s->n_steps && value >= s->steps[i].threshold; i++)
            score = s->steps[i].score;
        return vt_clamp_score(score);
    }
    }
    return 0.0;
}

double vt_round1(double x)
{
    double tenths = fabs(x) * 10.0;
    double whole = floor(tenths);
    if (tenths - whole >= 0.5 - 1e-9)
        whole += 1.0;
    if (whole == 0.0)
        return 0.0;   /* never -0.0 */
    return copysign(whole / 10.0, x);
}

int vt_weighted_mean(const vt_part *parts, int n, vt_mean *out)
{
    double total = 0.0, with_data = 0.0, used = 0.0, sum = 0.0;
    for (int i = 0; i < n; i++) {
        if (!(parts[i].weight > 0.0))
            continue;
        total += parts[i].weight;
        if (parts[i].has_data)
            with_data += parts[i].weight;
        if (parts[i].used) {
            used += parts[i].weight;
            sum += parts[i].weight * parts[i].score;
        }
    }
    out->coverage = total > 0.0 ? vt_round1(100.0 * with_data / total) : 0.0;
    out->used_weight = used;
    if (!(used > 0.0)) {
        out->score = 0.0;
        return -1;
    }
    out->score = vt_round1(sum / used);
    return 0;
}

double vt_contribution(const vt_part *part, double used_weight)
{
    if (!part->used || !(part->weight > 0.0) || !(used_weight > 0.0))
        return 0.0;
    return part->weight * part->score / used_weight;
}

int vt_band_of(const double *floors, int n, double score)
{
    int band = -1;
    for (int i = 0; i < n && floors[i] <= score; i++)
        band = i;
    return band;
}

int vt_worst_forced(const int *forced, int n)
{
    int worst = -1;
    for (int i = 0; i < n; i++)
        if (forced[i] >= 0 && (worst < 0 || forced[i] < forced[worst]))
            worst = i;
    return worst;
}
