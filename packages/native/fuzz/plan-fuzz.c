/* Fuzz target for the plan decoder (src/plan.c), the parent->child message parser
 * (CVE-2021-43784 class). With clang: a libFuzzer harness (-fsanitize=fuzzer,address). Without it,
 * -DNSINIT_FUZZ_STANDALONE adds a main() that mutates seed files at random for N rounds, so gcc's
 * AddressSanitizer/UBSan can run the same target. Built and run by scripts/fuzz.sh. */
#include "../src/nsinit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct nsinit_plan *plan = NULL;
  struct nsinit_err e;
  if (nsinit_plan_decode(data, size, &plan, &e) == 0) {
    /* Touch every decoded string and vector so ASan sees any out-of-bounds pointer. */
    size_t sum = 0;
    for (uint32_t i = 0; i < plan->nsteps; i++) {
      const struct nsinit_step *s = &plan->steps[i];
      const char *strs[] = {s->path, s->source, s->target, s->fstype, s->data, s->value};
      for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
        if (strs[k]) sum += strlen(strs[k]);
      char **vecs[] = {s->candidates, s->argv, s->envp};
      for (size_t k = 0; k < 3; k++)
        for (char **p = vecs[k]; p && *p; p++)
          sum += strlen(*p);
      for (uint32_t g = 0; g < s->ngroups; g++)
        sum += s->groups[g];
    }
    if (sum == (size_t)-1) abort();
    nsinit_plan_free(plan);
  } else if (e.msg[0] == 0) {
    abort(); /* every rejection must explain itself */
  }
  return 0;
}

#ifdef NSINIT_FUZZ_STANDALONE
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s ROUNDS SEED_FILE...\n", argv[0]);
    return 2;
  }
  long rounds = atol(argv[1]);
  for (int f = 2; f < argc; f++) {
    FILE *fp = fopen(argv[f], "rb");
    if (!fp) return 2;
    uint8_t seed[1 << 16];
    size_t n = fread(seed, 1, sizeof(seed), fp);
    fclose(fp);
    LLVMFuzzerTestOneInput(seed, n);
    uint8_t *buf = malloc(n + 64);
    for (long r = 0; r < rounds; r++) {
      size_t len = n;
      memcpy(buf, seed, n);
      int flips = 1 + (int)(next() % 8);
      for (int i = 0; i < flips; i++) {
        size_t at = next() % len;
        switch (next() % 4) {
        case 0:
          buf[at] = (uint8_t)next();
          break;
        case 1:
          buf[at] ^= (uint8_t)(1u << (next() % 8));
          break;
        case 2: {
          uint32_t v = (uint32_t)next();
          if (at + 4 <= len) memcpy(buf + at, &v, 4);
          break;
        }
        default:
          len = at + 1;
          break;
        }
      }
      if (next() % 8 == 0) {
        size_t extra = next() % 64;
        for (size_t i = 0; i < extra; i++)
          buf[len + i] = (uint8_t)next();
        len += extra;
      }
      /* An exact-size heap copy, so ASan flags any read past the end. */
      uint8_t *exact = malloc(len ? len : 1);
      memcpy(exact, buf, len);
      LLVMFuzzerTestOneInput(exact, len);
      free(exact);
    }
    free(buf);
    printf("%s: %ld rounds, no crash\n", argv[f], rounds);
  }
  return 0;
}
#endif
