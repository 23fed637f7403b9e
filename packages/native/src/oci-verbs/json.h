/* A strict JSON reader for nsinit-oci's state.json and the writer of the state JSON the verbs
 * print. Strict on purpose: anything JSON.stringify would not have written (duplicate keys, NUL,
 * lone surrogates, invalid UTF-8, nesting deeper than 64) is refused, and the caller hands the
 * command to Node. RFC 8259. */
#ifndef NSINIT_OCI_JSON_H
#define NSINIT_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum nsinit_json_type {
  NSINIT_JSON_NULL,
  NSINIT_JSON_BOOL,
  NSINIT_JSON_NUMBER,
  NSINIT_JSON_STRING,
  NSINIT_JSON_ARRAY,
  NSINIT_JSON_OBJECT
};

struct nsinit_json {
  enum nsinit_json_type type;
  bool boolean;
  const char *str; /* decoded string (NUL-terminated), or a number's text */
  size_t len;
  const char *key; /* member name inside an object */
  int child;       /* first element or member, -1 if none */
  int next;        /* next sibling, -1 if last */
};

struct nsinit_json_doc {
  struct nsinit_json *nodes;
  size_t count, cap;
  char *strings; /* decoded strings, back to back */
  size_t used, strcap;
};

/* Parse `len` bytes; returns the root node's index or -1 (the document is then not usable). */
int nsinit_json_parse(struct nsinit_json_doc *doc, const char *text, size_t len);
void nsinit_json_free(struct nsinit_json_doc *doc);
const struct nsinit_json *nsinit_json_at(const struct nsinit_json_doc *doc, int index);
/* Member `key` of object `obj`, or NULL. */
const struct nsinit_json *nsinit_json_get(const struct nsinit_json_doc *doc,
                                          const struct nsinit_json *obj, const char *key);
const struct nsinit_json *nsinit_json_first(const struct nsinit_json_doc *doc,
                                            const struct nsinit_json *parent);
const struct nsinit_json *nsinit_json_next(const struct nsinit_json_doc *doc,
                                           const struct nsinit_json *node);
/* A non-negative integer below 2^53 written without sign, fraction or exponent. */
bool nsinit_json_uint(const struct nsinit_json *node, uint64_t *out);
/* Whether `key` is a canonical array index ("0", "17"): JSON.stringify puts those first. */
bool nsinit_json_index_key(const char *key);
/* `s` as JSON.stringify writes a string (quotes included). */
void nsinit_json_write_string(FILE *out, const char *s);

#endif
