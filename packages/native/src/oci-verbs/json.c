/* The strict JSON reader and the string writer (json.h). Nodes and decoded strings live in two
 * arrays sized from the input (a node needs at least one input byte, a decoded string is never
 * longer than its source), so parsing allocates twice and never reallocates. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define NSINIT_JSON_DEPTH 64

struct parser {
  struct nsinit_json_doc *doc;
  const char *p, *end;
  int depth;
};

static void skip_ws(struct parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
}

static int new_node(struct parser *ps, enum nsinit_json_type type)
{
  struct nsinit_json_doc *d = ps->doc;
  if (d->count >= d->cap) return -1;
  struct nsinit_json *n = &d->nodes[d->count];
  memset(n, 0, sizeof(*n));
  n->type = type;
  n->child = -1;
  n->next = -1;
  return (int)d->count++;
}

static int hex4(const char *p, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static void put_utf8(char *dst, size_t *n, unsigned cp)
{
  if (cp < 0x80) {
    dst[(*n)++] = (char)cp;
  } else if (cp < 0x800) {
    dst[(*n)++] = (char)(0xc0 | (cp >> 6));
    dst[(*n)++] = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    dst[(*n)++] = (char)(0xe0 | (cp >> 12));
    dst[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
    dst[(*n)++] = (char)(0x80 | (cp & 0x3f));
  } else {
    dst[(*n)++] = (char)(0xf0 | (cp >> 18));
    dst[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
    dst[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
    dst[(*n)++] = (char)(0x80 | (cp & 0x3f));
  }
}

/* One well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates); its length or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
  unsigned c = p[0];
  size_t n;
  unsigned cp, min;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0)
    n = 2, cp = c & 0x1f, min = 0x80;
  else if ((c & 0xf0) == 0xe0)
    n = 3, cp = c & 0x0f, min = 0x800;
  else if ((c & 0xf8) == 0xf0)
    n = 4, cp = c & 0x07, min = 0x10000;
  else
    return 0;
  if ((size_t)(end - p) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/* A string at ps->p (after the opening quote); decoded into the doc's string space. */
static const char *parse_string(struct parser *ps, size_t *len)
{
  struct nsinit_json_doc *d = ps->doc;
  char *dst = d->strings + d->used;
  size_t n = 0;
  while (ps->p < ps->end) {
    unsigned char c = (unsigned char)*ps->p;
    if (c == '"') {
      ps->p++;
      dst[n] = 0;
      d->used += n + 1;
      *len = n;
      return dst;
    }
    if (c < 0x20) return NULL;
    if (c != '\\') {
      size_t k = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
      if (k == 0) return NULL;
      memcpy(dst + n, ps->p, k);
      n += k;
      ps->p += k;
      continue;
    }
    if (ps->end - ps->p < 2) return NULL;
    char e = ps->p[1];
    ps->p += 2;
    switch (e) {
    case '"':
      dst[n++] = '"';
      break;
    case '\\':
      dst[n++] = '\\';
      break;
    case '/':
      dst[n++] = '/';
      break;
    case 'b':
      dst[n++] = '\b';
      break;
    case 'f':
      dst[n++] = '\f';
      break;
    case 'n':
      dst[n++] = '\n';
      break;
    case 'r':
      dst[n++] = '\r';
      break;
    case 't':
      dst[n++] = '\t';
      break;
    case 'u': {
      unsigned cp, lo;
      if (ps->end - ps->p < 4 || hex4(ps->p, &cp)) return NULL;
      ps->p += 4;
      if (cp >= 0xdc00 && cp <= 0xdfff) return NULL; /* a lone low surrogate */
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) ||
            lo < 0xdc00 || lo > 0xdfff)
          return NULL;
        ps->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      if (cp == 0) return NULL; /* a NUL would cut the C string */
      put_utf8(dst, &n, cp);
      break;
    }
    default:
      return NULL;
    }
  }
  return NULL;
}

static int parse_value(struct parser *ps);

static int parse_container(struct parser *ps, bool object)
{
  int self = new_node(ps, object ? NSINIT_JSON_OBJECT : NSINIT_JSON_ARRAY);
  if (self < 0 || ++ps->depth > NSINIT_JSON_DEPTH) return -1;
  ps->p++;
  skip_ws(ps);
  char close = object ? '}' : ']';
  int last = -1;
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return self;
  }
  for (;;) {
    const char *key = NULL;
    if (object) {
      size_t klen;
      if (ps->p >= ps->end || *ps->p != '"') return -1;
      ps->p++;
      key = parse_string(ps, &klen);
      if (key == NULL) return -1;
      /* JSON.parse keeps the last of duplicate names; JSON.stringify never writes two. */
      for (int c = ps->doc->nodes[self].child; c >= 0; c = ps->doc->nodes[c].next)
        if (strcmp(ps->doc->nodes[c].key, key) == 0) return -1;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') return -1;
      ps->p++;
    }
    int v = parse_value(ps);
    if (v < 0) return -1;
    ps->doc->nodes[v].key = key;
    if (last < 0)
      ps->doc->nodes[self].child = v;
    else
      ps->doc->nodes[last].next = v;
    last = v;
    skip_ws(ps);
    if (ps->p >= ps->end) return -1;
    if (*ps->p == ',') {
      ps->p++;
      skip_ws(ps);
      continue;
    }
    if (*ps->p != close) return -1;
    ps->p++;
    ps->depth--;
    return self;
  }
}

static bool literal(struct parser *ps, const char *word)
{
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
  ps->p += n;
  return true;
}

static int parse_number(struct parser *ps)
{
  const char *start = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end) return -1;
  if (*ps->p == '0')
    ps->p++;
  else if (*ps->p >= '1' && *ps->p <= '9')
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
      ps->p++;
  else
    return -1;
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return -1;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
      ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return -1;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
      ps->p++;
  }
  int self = new_node(ps, NSINIT_JSON_NUMBER);
  if (self < 0) return -1;
  struct nsinit_json_doc *d = ps->doc;
  size_t n = (size_t)(ps->p - start);
  char *dst = d->strings + d->used;
  memcpy(dst, start, n);
  dst[n] = 0;
  d->used += n + 1;
  d->nodes[self].str = dst;
  d->nodes[self].len = n;
  return self;
}

static int parse_value(struct parser *ps)
{
  skip_ws(ps);
  if (ps->p >= ps->end) return -1;
  switch (*ps->p) {
  case '{':
    return parse_container(ps, true);
  case '[':
    return parse_container(ps, false);
  case '"': {
    int self = new_node(ps, NSINIT_JSON_STRING);
    if (self < 0) return -1;
    ps->p++;
    size_t len;
    const char *s = parse_string(ps, &len);
    if (s == NULL) return -1;
    ps->doc->nodes[self].str = s;
    ps->doc->nodes[self].len = len;
    return self;
  }
  case 't':
  case 'f': {
    bool t = *ps->p == 't';
    if (!literal(ps, t ? "true" : "false")) return -1;
    int self = new_node(ps, NSINIT_JSON_BOOL);
    if (self >= 0) ps->doc->nodes[self].boolean = t;
    return self;
  }
  case 'n':
    if (!literal(ps, "null")) return -1;
    return new_node(ps, NSINIT_JSON_NULL);
  default:
    return parse_number(ps);
  }
}

int nsinit_json_parse(struct nsinit_json_doc *doc, const char *text, size_t len)
{
  memset(doc, 0, sizeof(*doc));
  doc->cap = len + 1;
  doc->strcap = len + 1;
  doc->nodes = calloc(doc->cap, sizeof(*doc->nodes));
  doc->strings = malloc(doc->strcap);
  if (doc->nodes == NULL || doc->strings == NULL) return -1;
  struct parser ps = {.doc = doc, .p = text, .end = text + len, .depth = 0};
  int root = parse_value(&ps);
  if (root < 0) return -1;
  skip_ws(&ps);
  return ps.p == ps.end ? root : -1;
}

void nsinit_json_free(struct nsinit_json_doc *doc)
{
  free(doc->nodes);
  free(doc->strings);
  memset(doc, 0, sizeof(*doc));
}

const struct nsinit_json *nsinit_json_at(const struct nsinit_json_doc *doc, int index)
{
  return index < 0 || (size_t)index >= doc->count ? NULL : &doc->nodes[index];
}

const struct nsinit_json *nsinit_json_get(const struct nsinit_json_doc *doc,
                                          const struct nsinit_json *obj, const char *key)
{
  if (obj == NULL || obj->type != NSINIT_JSON_OBJECT) return NULL;
  for (int c = obj->child; c >= 0; c = doc->nodes[c].next)
    if (strcmp(doc->nodes[c].key, key) == 0) return &doc->nodes[c];
  return NULL;
}

const struct nsinit_json *nsinit_json_first(const struct nsinit_json_doc *doc,
                                            const struct nsinit_json *parent)
{
  return nsinit_json_at(doc, parent->child);
}

const struct nsinit_json *nsinit_json_next(const struct nsinit_json_doc *doc,
                                           const struct nsinit_json *node)
{
  return nsinit_json_at(doc, node->next);
}

bool nsinit_json_uint(const struct nsinit_json *node, uint64_t *out)
{
  if (node == NULL || node->type != NSINIT_JSON_NUMBER || node->len == 0 || node->len > 15)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < node->len; i++) {
    char c = node->str[i];
    if (c < '0' || c > '9' || (i == 0 && c == '0' && node->len > 1)) return false;
    v = v * 10 + (uint64_t)(c - '0');
  }
  *out = v;
  return true;
}

bool nsinit_json_index_key(const char *key)
{
  size_t n = strlen(key);
  if (n == 0 || n > 10 || (key[0] == '0' && n > 1)) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (key[i] < '0' || key[i] > '9') return false;
    v = v * 10 + (uint64_t)(key[i] - '0');
  }
  return v < 4294967295u;
}

void nsinit_json_write_string(FILE *out, const char *s)
{
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"':
      fputs("\\\"", out);
      break;
    case '\\':
      fputs("\\\\", out);
      break;
    case '\b':
      fputs("\\b", out);
      break;
    case '\f':
      fputs("\\f", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    default:
      if (*p < 0x20)
        fprintf(out, "\\u%04x", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}
