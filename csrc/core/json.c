// SPDX-License-Identifier: MIT
/*
 * json.c - a strict JSON reader (RFC 8259) for seccomp profiles.
 *
 * One pass, no recursion, no allocation: the document becomes a tape of
 * values in a caller-supplied array (see struct sb_json), and nesting is
 * tracked on a fixed stack of SB_JSON_DEPTH containers. Strict means: UTF-8
 * only (no byte-order mark, no overlong or surrogate encodings, no lone
 * surrogate escapes), no control characters in strings, the number grammar
 * exactly (no leading zeros, no "1.", no NaN), no trailing commas, and
 * nothing but white space after the root value. Strings and numbers are
 * only checked here; sb_json_string() and sb_json_uint() convert them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

struct parser {
	const char *s;
	size_t len, pos;
	struct sb_json *tape;
	unsigned int cap, n;
	unsigned int stack[SB_JSON_DEPTH]; /* open containers, innermost last */
	unsigned int depth;
	struct sb_json_error *err;
};

static int fail(struct parser *p, int code, const char *what)
{
	p->err->offset = p->pos;
	snprintf(p->err->what, sizeof(p->err->what), "%s", what);
	return code;
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* A new tape entry starting here; -E2BIG when the tape is full. */
static int push_value(struct parser *p, uint32_t type)
{
	struct sb_json *v;

	if (p->n >= p->cap)
		return fail(p, -E2BIG, "too many values");
	v = &p->tape[p->n++];
	v->start = v->end = (uint32_t)p->pos;
	v->next = p->n;
	v->type = type;
	return 0;
}

static void end_value(struct parser *p)
{
	p->tape[p->n - 1].end = (uint32_t)p->pos;
}

static int hex4(const char *s, unsigned int *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* \uXXXX at p->pos (after the backslash and 'u'): a code point, with a
 * surrogate pair taken whole. Advances past it. */
static int unicode_escape(struct parser *p)
{
	unsigned int hi, lo;

	if (p->len - p->pos < 4 || hex4(p->s + p->pos, &hi) < 0)
		return fail(p, -EINVAL, "invalid \\u escape");
	p->pos += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(p, -EINVAL, "lone surrogate in \\u escape");
	if (hi < 0xd800 || hi > 0xdbff)
		return 0;
	if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
	    hex4(p->s + p->pos + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
		return fail(p, -EINVAL, "lone surrogate in \\u escape");
	p->pos += 6;
	return 0;
}

/* Length of the UTF-8 sequence at p->pos (first byte >= 0x80), or 0 if it
 * is not valid UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
static size_t utf8_len(const struct parser *p)
{
	const unsigned char *u = (const unsigned char *)p->s + p->pos;
	size_t left = p->len - p->pos, n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (u[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (u[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (u[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (u[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (left < n || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return n;
}

static int string(struct parser *p)
{
	int r = push_value(p, SB_JSON_STRING);

	if (r < 0)
		return r;
	p->pos++; /* the opening quote */
	for (;;) {
		int c;

		/* the common case first: plain ASCII */
		while (p->pos < p->len && (unsigned char)p->s[p->pos] >= 0x20 &&
		       (unsigned char)p->s[p->pos] < 0x80 && p->s[p->pos] != '"' &&
		       p->s[p->pos] != '\\')
			p->pos++;
		c = peek(p);

		if (c < 0)
			return fail(p, -EINVAL, "unterminated string");
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, -EINVAL, "control character in string");
		if (c == '\\') {
			p->pos++;
			c = peek(p);
			if (c == 'u') {
				p->pos++;
				if ((r = unicode_escape(p)) < 0)
					return r;
				continue;
			}
			if (c < 0 || !strchr("\"\\/bfnrt", c))
				return fail(p, -EINVAL, "invalid escape in string");
			p->pos++;
		} else if (c >= 0x80) {
			size_t n = utf8_len(p);

			if (n == 0)
				return fail(p, -EINVAL, "invalid UTF-8 in string");
			p->pos += n;
		} else {
			p->pos++;
		}
	}
	p->pos++; /* the closing quote */
	end_value(p);
	return 0;
}

static size_t digits(struct parser *p)
{
	size_t n = 0;

	while (peek(p) >= '0' && peek(p) <= '9') {
		p->pos++;
		n++;
	}
	return n;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int number(struct parser *p)
{
	int r = push_value(p, SB_JSON_NUMBER);

	if (r < 0)
		return r;
	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0')
		p->pos++;
	else if (digits(p) == 0)
		return fail(p, -EINVAL, "invalid number");
	if (peek(p) == '.') {
		p->pos++;
		if (digits(p) == 0)
			return fail(p, -EINVAL, "invalid number");
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (digits(p) == 0)
			return fail(p, -EINVAL, "invalid number");
	}
	end_value(p);
	return 0;
}

static int literal(struct parser *p, const char *word, uint32_t type)
{
	size_t n = strlen(word);
	int r = push_value(p, type);

	if (r < 0)
		return r;
	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, -EINVAL, "expected a value");
	p->pos += n;
	end_value(p);
	return 0;
}

static int open_container(struct parser *p, uint32_t type)
{
	int r;

	if (p->depth == SB_JSON_DEPTH)
		return fail(p, -E2BIG, "nested too deeply");
	if ((r = push_value(p, type)) < 0)
		return r;
	p->stack[p->depth++] = p->n - 1;
	p->pos++;
	return 0;
}

/* One value: 0, or 1 for a container, which is only opened (its contents
 * follow); negative on error. */
static int value(struct parser *p)
{
	int r;

	switch (peek(p)) {
	case '{':
		r = open_container(p, SB_JSON_OBJECT);
		return r < 0 ? r : 1;
	case '[':
		r = open_container(p, SB_JSON_ARRAY);
		return r < 0 ? r : 1;
	case '"':
		return string(p);
	case 't':
		return literal(p, "true", SB_JSON_TRUE);
	case 'f':
		return literal(p, "false", SB_JSON_FALSE);
	case 'n':
		return literal(p, "null", SB_JSON_NULL);
	case -1:
		return fail(p, -EINVAL, "unexpected end of text");
	default:
		if (peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9'))
			return number(p);
		return fail(p, -EINVAL, "expected a value");
	}
}

/* An object member's key and colon; white space skipped before and after. */
static int key(struct parser *p)
{
	int r;

	skip_ws(p);
	if (peek(p) != '"')
		return fail(p, -EINVAL, "expected a string key");
	if ((r = string(p)) < 0)
		return r;
	skip_ws(p);
	if (peek(p) != ':')
		return fail(p, -EINVAL, "expected ':'");
	p->pos++;
	return 0;
}

static void close_container(struct parser *p)
{
	struct sb_json *c = &p->tape[p->stack[--p->depth]];

	p->pos++;
	c->end = (uint32_t)p->pos;
	c->next = p->n;
}

/*
 * After a value: close every container that ends here, then either step
 * over a ',' (and the next key) to the next value - returns 1 - or find the
 * root complete - returns 0.
 */
static int after_value(struct parser *p)
{
	for (;;) {
		const struct sb_json *top;
		int close;

		skip_ws(p);
		if (p->depth == 0)
			return p->pos == p->len ? 0 : fail(p, -EINVAL, "text after the value");
		top = &p->tape[p->stack[p->depth - 1]];
		close = top->type == SB_JSON_OBJECT ? '}' : ']';
		if (peek(p) == close) {
			close_container(p);
		} else if (peek(p) == ',') {
			int r = 0;

			p->pos++;
			if (top->type == SB_JSON_OBJECT)
				r = key(p);
			return r < 0 ? r : 1;
		} else {
			return fail(p, -EINVAL,
				    close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	}
}

int sb_json_parse(const char *text, size_t len, struct sb_json *tape, unsigned int cap,
		  struct sb_json_error *err)
{
	struct parser p = { .s = text, .len = len, .tape = tape, .cap = cap, .err = err };
	int r;

	if (len >= UINT32_MAX)
		return fail(&p, -E2BIG, "document too large");
	for (;;) {
		skip_ws(&p);
		if ((r = value(&p)) < 0)
			return r;
		if (r == 1) {
			/* just opened: empty, or the first member follows */
			int close = p.tape[p.n - 1].type == SB_JSON_OBJECT ? '}' : ']';

			skip_ws(&p);
			if (peek(&p) != close) {
				if (close == '}' && (r = key(&p)) < 0)
					return r;
				continue;
			}
			close_container(&p);
		}
		r = after_value(&p);
		if (r <= 0)
			return r < 0 ? r : (int)p.n;
	}
}

/* Append code point CP to BUF as UTF-8. */
static size_t put_utf8(char *buf, unsigned int cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The escape at S (after the backslash; validated by the parser) into OUT
 * (room for 4 bytes); *used: how many input bytes it took. */
static size_t unescape(const char *s, char *out, size_t *used)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned int cp, lo;

	if (*s != 'u') {
		*used = 1;
		*out = to[strchr(from, *s) - from];
		return 1;
	}
	hex4(s + 1, &cp);
	*used = 5;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		hex4(s + 7, &lo);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*used = 11;
	}
	return put_utf8(out, cp);
}

int sb_json_string(const char *text, const struct sb_json *v, char *buf, size_t size)
{
	const char *s = text + v->start + 1, *end = text + v->end - 1;
	size_t n = 0;

	if (v->type != SB_JSON_STRING || size == 0)
		return -EINVAL;
	if (!memchr(s, '\\', (size_t)(end - s))) { /* no escapes (nor raw NULs): as is */
		if ((size_t)(end - s) >= size)
			return -E2BIG;
		memcpy(buf, s, (size_t)(end - s));
		buf[end - s] = '\0';
		return (int)(end - s);
	}
	while (s < end) {
		char tmp[4];
		size_t k = 1, used = 1;

		if (*s == '\\') {
			k = unescape(s + 1, tmp, &used);
			used++; /* the backslash */
		} else {
			tmp[0] = *s;
		}
		if (k == 1 && tmp[0] == '\0')
			return -EINVAL;
		if (n + k >= size)
			return -E2BIG;
		memcpy(buf + n, tmp, k);
		n += k;
		s += used;
	}
	buf[n] = '\0';
	return (int)n;
}

int sb_json_uint(const char *text, const struct sb_json *v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (v->type != SB_JSON_NUMBER)
		return -EINVAL;
	for (uint32_t i = v->start; i < v->end; i++) {
		unsigned int d = (unsigned char)text[i] - '0';

		if (d > 9)
			return -EINVAL; /* '-', '.', 'e' */
		if (x > max / 10 || (x == max / 10 && d > max % 10))
			return -ERANGE;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}
