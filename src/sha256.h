/*
 * sha256.h - SHA-256 (FIPS 180-4) of a byte buffer, used to record which
 * exact rule file a run was scored with (runs.rules_sha256).
 */
#ifndef VITALS_SHA256_H
#define VITALS_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct vt_sha256 {
    uint32_t state[8];
    uint64_t length;          /* bytes hashed so far */
    unsigned char block[64];  /* pending partial block */
    size_t used;              /* bytes in block */
} vt_sha256;

void vt_sha256_init(vt_sha256 *ctx);
void vt_sha256_update(vt_sha256 *ctx, const void *data, size_t len);
void vt_sha256_final(vt_sha256 *ctx, unsigned char digest[32]);

/* One-shot digest of data as 64 lowercase hex digits plus NUL. */
void vt_sha256_hex(const void *data, size_t len, char hex[65]);

#endif /* VITALS_SHA256_H */
