/*
 * scale.h - the arithmetic of a health score, as pure functions: scales
 * that map a measure's value to 0-100, the weighted mean over the measures
 * that had data, coverage, rounding, band selection and band forcing.
 *
 * Nothing here knows about Lua or the database, so every rule of the score
 * can be unit-tested on its own (tests/test_scale.c).
 */
#ifndef VITALS_SCALE_H
#define VITALS_SCALE_H

typedef enum vt_scale_kind {
    VT_SCALE_NONE = 0,   /* the value is already a 0-100 score (clamped) */
    VT_SCALE_LINEAR,     /* linear(lo, hi): lo -> 0, hi -> 100; lo > hi decreases */
    VT_SCALE_INVERSE,    /* inverse(lo, hi): lo or less -> 100, hi or more -> 0 */
    VT_SCALE_STEPS       /* steps{{t, s}, ...}: s of the highest t reached, 0 below */
} vt_scale_kind;

typedef struct vt_step {
    double threshold;
    double score;
} vt_step;

typedef struct vt_scale {
    vt_scale_kind kind;
    double lo, hi;          /* LINEAR, INVERSE */
    const vt_step *steps;   /* STEPS: n_steps steps, thresholds ascending; not owned */
    int n_steps;
} vt_scale;

/* NULL when the scale is usable, else what is wrong with it (a constant
 * phrase such as "inverse(lo, hi) needs lo < hi"). */
const char *vt_scale_problem(const vt_scale *s);

/* The 0-100 score of a finite value on a valid scale. */
double vt_scale_apply(const vt_scale *s, double value);

/* x clamped to 0..100 (NaN gives 0). */
double vt_clamp_score(double x);

/* Is x a finite number within 0..100? */
int vt_is_score(double x);

/* x rounded half away from zero to one decimal.  The inputs are results of
 * binary arithmetic on decimal data, so a value within 1e-9 (in tenths) of
 * a half counts as the half: 74.95 -> 75.0, 74.9499999999999 -> 75.0. */
double vt_round1(double x);

/* One measure's part in the score of a customer. */
typedef struct vt_part {
    double weight;   /* effective weight; 0 leaves the measure out */
    double score;    /* 0-100, meaningful when used */
    int used;        /* counts in the mean: it had a value or a missing default */
    int has_data;    /* counts towards coverage: it had a value */
} vt_part;

typedef struct vt_mean {
    double score;        /* weighted mean of the used parts, rounded to 0.1 */
    double coverage;     /* 100 * weight with data / total weight, rounded to 0.1 */
    double used_weight;  /* sum of the weights of the used parts */
} vt_mean;

/* Weighted mean with renormalisation over the used parts.  0 on success;
 * -1 when no part with a positive weight is used (there is no score). */
int vt_weighted_mean(const vt_part *parts, int n, vt_mean *out);

/* Score points a used part adds to the (unrounded) mean. */
double vt_contribution(const vt_part *part, double used_weight);

/* Index of the highest band whose floor is <= score, floors ascending;
 * -1 when the score is below every floor. */
int vt_band_of(const double *floors, int n, double score);

/* Among n raised flags forcing bands forced[i] (a band index, or -1 for a
 * flag that forces nothing), the position of the flag forcing the worst
 * (lowest) band; the first such flag on ties.  -1 when none forces. */
int vt_worst_forced(const int *forced, int n);

#endif /* VITALS_SCALE_H */
