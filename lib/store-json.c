/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store-json.c - one saved scenario as data: the checks of its fields
 * (ids, users, names, tags, hashes), its times, its file's JSON (written
 * and read back) and its rendering for callers (tyche_scenario_to_json).
 *
 * What a newcomer would get wrong:
 *  - Ids and users become file names and index fields: they are checked
 *    against a strict character set (no '/', no leading '.' or '-'), and
 *    names and tags refuse control characters (a tab or newline would
 *    break the index line, a ',' the tag list).
 *  - Text is checked to be valid UTF-8 (no overlong forms, no surrogates,
 *    no C1 controls), since it is served back to browsers as JSON.
 *  - The seed is written as a string: JSON numbers are doubles and lose
 *    64-bit seeds.  A number is still read back, if it is exact.
 *  - Times are strict "YYYY-MM-DDTHH:MM:SSZ" and must format back to the
 *    same text; anything else in a file is a located TYCHE_EDATA.
 *  - A file is read as data from disk, which anyone with write access to
 *    the store may have edited: every field is validated again on read.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "internal.h"
#include "store.h"

#define SCHEMA "tyche-scenario/1"

/* ------------------------------------------------------------ validation */

int ty_scenario_is_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= TYCHE_SCENARIO_ID_MAX ||
		    !(isalnum(c) || c == '_' || c == '-') || c > 127)
			return 0;
	}
	return n > 0;
}

int ty_scenario_is_user(const char *s)
{
	size_t n = 0;

	if (s[0] == '.' || s[0] == '-')
		return 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= TYCHE_SCENARIO_USER_MAX || c > 127 ||
		    !(isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-'))
			return 0;
	}
	return n > 0;
}

/* Valid UTF-8 of minlen..maxlen bytes without C0/C1 controls or DEL, and
 * without ',' when nocomma.  Returns NULL when fine, else what is wrong. */
const char *ty_scenario_text_problem(const char *s, size_t minlen, size_t maxlen,
				int nocomma)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (len < minlen)
		return "is empty";
	if (len > maxlen)
		return "is too long";
	while (*p) {
		unsigned cp;
		int extra;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return "contains a control character";
			if (nocomma && *p == ',')
				return "contains ','";
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			cp = *p & 0x1f;
			extra = 1;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			cp = *p & 0x0f;
			extra = 2;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			cp = *p & 0x07;
			extra = 3;
		} else {
			return "is not valid UTF-8";
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (*p & 0x3f);
		}
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp >= 0x80 && cp <= 0x9f)
			return "contains a control character";
	}
	return NULL;
}

int ty_scenario_check_id(const char *id, tyche_error *err)
{
	if (!id || !ty_scenario_is_id(id))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "invalid scenario id, expected 1 to %d of "
				   "A-Z a-z 0-9 _ -", TYCHE_SCENARIO_ID_MAX);
	return 0;
}

int ty_scenario_check_user(const char *user, tyche_error *err)
{
	if (!user || !ty_scenario_is_user(user))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "invalid user name, expected 1 to %d of "
				   "A-Z a-z 0-9 . _ @ - not starting with '.' or '-'",
				   TYCHE_SCENARIO_USER_MAX);
	return 0;
}

int ty_scenario_check_name(const char *name, tyche_error *err)
{
	const char *why = ty_scenario_text_problem(name, 1, TYCHE_SCENARIO_NAME_MAX, 0);

	if (why)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "scenario name %s, expected 1 to %d bytes of "
				   "UTF-8 text", why, TYCHE_SCENARIO_NAME_MAX);
	return 0;
}

static int check_tag(const char *tag, tyche_error *err)
{
	const char *why = ty_scenario_text_problem(tag, 1, TYCHE_SCENARIO_TAG_MAX, 1);

	if (why)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "tag %s, expected 1 to %d bytes of UTF-8 "
				   "text without ','", why, TYCHE_SCENARIO_TAG_MAX);
	return 0;
}

int ty_scenario_is_hash(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return 1;
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

int ty_scenario_is_version(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* Check the caller-set fields of a scenario about to be saved. */
int ty_scenario_check(const tyche_scenario *sc, tyche_error *err)
{
	const char *why;

	if (ty_scenario_check_name(sc->name, err))
		return TYCHE_EUSAGE;
	if (sc->ntags > TYCHE_SCENARIO_TAGS_MAX)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "%zu tags, expected at most %d", sc->ntags,
				   TYCHE_SCENARIO_TAGS_MAX);
	for (size_t i = 0; i < sc->ntags; i++) {
		tyche_error e = { 0 };

		if (!sc->tags || !sc->tags[i] || check_tag(sc->tags[i], &e))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "tag %zu: %s",
					   i + 1, e.msg[0] ? e.msg : "missing");
	}
	why = ty_scenario_text_problem(sc->context, 0, TYCHE_SCENARIO_NAME_MAX, 0);
	if (why)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "context name %s", why);
	if (!ty_scenario_is_hash(sc->context_hash))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "context hash is not 64 lowercase hex digits");
	if (sc->samples < 0 || sc->samples > TY_SCENARIO_MAX_SAMPLES)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "sample count %ld is out of range", sc->samples);
	return 0;
}

/* ----------------------------------------------------------------- times */

const char *tyche_time_format(int64_t t, char *buf)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 21, "%s", "1970-01-01T00:00:00Z");
	return buf;
}

/* Strict "YYYY-MM-DDTHH:MM:SSZ" (it must read back the same). */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	int n = 0;
	char back[32];
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 20)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	if (strcmp(tyche_time_format((int64_t)t, back), s) != 0)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* ------------------------------------------------------------- scenarios */

void tyche_scenario_release(tyche_scenario *s)
{
	tyche_scenario empty = TYCHE_SCENARIO_INIT;

	if (!s)
		return;
	for (size_t i = 0; i < s->ntags; i++)
		free(s->tags ? s->tags[i] : NULL);
	free(s->tags);
	free(s->inputs_json);
	free(s->results_json);
	*s = empty;
}

void tyche_scenario_list_free(tyche_scenario *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		tyche_scenario_release(&v[i]);
	free(v);
}

int tyche_scenario_add_tag(tyche_scenario *s, const char *tag, tyche_error *err)
{
	char **v;
	char *t;

	if (!tag || check_tag(tag, err))
		return TYCHE_EUSAGE;
	if (s->ntags >= TYCHE_SCENARIO_TAGS_MAX)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "too many tags, expected at most %d",
				   TYCHE_SCENARIO_TAGS_MAX);
	v = realloc(s->tags, (s->ntags + 1) * sizeof(*v));
	if (!v)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	s->tags = v;
	if (!(t = ty_strdup(tag)))
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	s->tags[s->ntags++] = t;
	return 0;
}

/* Build the file's JSON; with bodies, inputs and results (already parsed by
 * the caller, ownership taken) are added. */
cJSON *ty_scenario_to_cjson(const tyche_scenario *sc, cJSON *inputs,
			       cJSON *results, int bodies)
{
	cJSON *o = cJSON_CreateObject(), *tags;
	char t1[32], t2[32], seed[32];
	int ok = o != NULL;

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)sc->seed);
	ok = ok && cJSON_AddStringToObject(o, "schema", SCHEMA);
	ok = ok && cJSON_AddStringToObject(o, "id", sc->id);
	ok = ok && cJSON_AddStringToObject(o, "name", sc->name);
	ok = ok && cJSON_AddStringToObject(o, "owner", sc->owner);
	ok = ok && cJSON_AddStringToObject(o, "created", tyche_time_format(sc->created, t1));
	ok = ok && cJSON_AddStringToObject(o, "modified", tyche_time_format(sc->modified, t2));
	ok = ok && cJSON_AddStringToObject(o, "visibility", sc->shared ? "shared" : "private");
	ok = ok && (tags = cJSON_AddArrayToObject(o, "tags"));
	for (size_t i = 0; ok && i < sc->ntags; i++) {
		cJSON *t = cJSON_CreateString(sc->tags[i]);

		ok = t && cJSON_AddItemToArray(tags, t);
		if (!ok)
			cJSON_Delete(t);
	}
	ok = ok && cJSON_AddStringToObject(o, "context", sc->context);
	ok = ok && cJSON_AddStringToObject(o, "context_hash", sc->context_hash);
	ok = ok && cJSON_AddStringToObject(o, "version", sc->version);
	/* a string: JSON numbers are doubles and lose 64-bit seeds */
	ok = ok && cJSON_AddStringToObject(o, "seed", seed);
	ok = ok && cJSON_AddNumberToObject(o, "samples", (double)sc->samples);
	if (bodies) {
		ok = ok && cJSON_AddItemToObject(o, "inputs", inputs);
		if (!ok)
			cJSON_Delete(inputs);
		inputs = NULL;
		ok = ok && cJSON_AddItemToObject(o, "results", results);
		if (!ok)
			cJSON_Delete(results);
		results = NULL;
	}
	cJSON_Delete(inputs);
	cJSON_Delete(results);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ty_scenario_copy_field(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

/* Read and validate the JSON of a scenario file (or an index summary) into
 * *sc.  where names the file for messages.  TYCHE_EDATA when anything is
 * missing or malformed. */
int ty_scenario_from_cjson(const cJSON *o, tyche_scenario *sc, int bodies,
			      const char *where, tyche_error *err)
{
	const char *s, *why;
	const cJSON *v;

#define BAD(...) ty_error_at(err, TYCHE_EDATA, where, 0, 0, __VA_ARGS__)
	if (!cJSON_IsObject(o))
		return BAD("not a JSON object, expected a tyche scenario");
	s = get_str(o, "schema");
	if (!s || strcmp(s, SCHEMA) != 0)
		return BAD("schema is '%.40s', expected '%s'", s ? s : "(none)", SCHEMA);
	if (!(s = get_str(o, "id")) || !ty_scenario_is_id(s))
		return BAD("missing or invalid \"id\"");
	ty_scenario_copy_field(sc->id, sizeof(sc->id), s);
	if (!(s = get_str(o, "name")) || ty_scenario_text_problem(s, 1, TYCHE_SCENARIO_NAME_MAX, 0))
		return BAD("missing or invalid \"name\"");
	ty_scenario_copy_field(sc->name, sizeof(sc->name), s);
	if (!(s = get_str(o, "owner")) || !ty_scenario_is_user(s))
		return BAD("missing or invalid \"owner\"");
	ty_scenario_copy_field(sc->owner, sizeof(sc->owner), s);
	if (!(s = get_str(o, "created")) || parse_time(s, &sc->created))
		return BAD("missing or invalid \"created\", expected YYYY-MM-DDTHH:MM:SSZ");
	if (!(s = get_str(o, "modified")) || parse_time(s, &sc->modified))
		return BAD("missing or invalid \"modified\", expected YYYY-MM-DDTHH:MM:SSZ");
	s = get_str(o, "visibility");
	if (s && !strcmp(s, "shared"))
		sc->shared = 1;
	else if (s && !strcmp(s, "private"))
		sc->shared = 0;
	else
		return BAD("\"visibility\" is not \"private\" or \"shared\"");
	v = cJSON_GetObjectItemCaseSensitive(o, "tags");
	if (v && !cJSON_IsArray(v))
		return BAD("\"tags\" is not an array");
	if (v && cJSON_GetArraySize(v) > TYCHE_SCENARIO_TAGS_MAX)
		return BAD("more than %d tags", TYCHE_SCENARIO_TAGS_MAX);
	for (const cJSON *t = v ? v->child : NULL; t; t = t->next) {
		if (!cJSON_IsString(t) || ty_scenario_text_problem(t->valuestring, 1, TYCHE_SCENARIO_TAG_MAX, 1))
			return BAD("invalid tag in \"tags\"");
		if (tyche_scenario_add_tag(sc, t->valuestring, err))
			return err ? err->code : TYCHE_ENOMEM;
	}
	s = get_str(o, "context");
	if (s && (why = ty_scenario_text_problem(s, 0, TYCHE_SCENARIO_NAME_MAX, 0)))
		return BAD("\"context\" %s", why);
	ty_scenario_copy_field(sc->context, sizeof(sc->context), s ? s : "");
	s = get_str(o, "context_hash");
	if (s && !ty_scenario_is_hash(s))
		return BAD("\"context_hash\" is not 64 lowercase hex digits");
	ty_scenario_copy_field(sc->context_hash, sizeof(sc->context_hash), s ? s : "");
	s = get_str(o, "version");
	if (s && !ty_scenario_is_version(s))
		return BAD("invalid \"version\"");
	ty_scenario_copy_field(sc->version, sizeof(sc->version), s ? s : "");
	v = cJSON_GetObjectItemCaseSensitive(o, "seed");
	if (cJSON_IsString(v)) {
		char *end;
		unsigned long long u;

		errno = 0;
		u = strtoull(v->valuestring, &end, 10);
		if (!isdigit((unsigned char)v->valuestring[0]) || *end || errno)
			return BAD("\"seed\" is not an unsigned 64-bit integer");
		sc->seed = (uint64_t)u;
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		   v->valuedouble <= 9007199254740992.0 &&
		   v->valuedouble == floor(v->valuedouble)) {
		sc->seed = (uint64_t)v->valuedouble;
	} else if (v) {
		return BAD("\"seed\" is not an unsigned 64-bit integer");
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "samples");
	if (v && !(cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		   v->valuedouble <= (double)TY_SCENARIO_MAX_SAMPLES &&
		   v->valuedouble == floor(v->valuedouble)))
		return BAD("\"samples\" is not a count");
	sc->samples = v ? (long)v->valuedouble : 0;
	if (!bodies)
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "results" : "inputs";
		char **dst = i ? &sc->results_json : &sc->inputs_json;

		v = cJSON_GetObjectItemCaseSensitive(o, key);
		if (v && !cJSON_IsObject(v))
			return BAD("\"%s\" is not an object", key);
		*dst = v ? cJSON_PrintUnformatted(v) : ty_strdup("{}");
		if (!*dst)
			return ty_error_at(err, TYCHE_ENOMEM, where, 0, 0, "out of memory");
	}
#undef BAD
	return 0;
}

/* ------------------------------------------------------------ rendering */

static cJSON *scenario_render(const tyche_scenario *sc)
{
	cJSON *in = NULL, *res = NULL, *o;
	int bodies = sc->inputs_json || sc->results_json;

	if (bodies) {
		in = sc->inputs_json ? cJSON_Parse(sc->inputs_json) : cJSON_CreateObject();
		res = sc->results_json ? cJSON_Parse(sc->results_json) : cJSON_CreateObject();
		if (!in || !res) {
			cJSON_Delete(in);
			cJSON_Delete(res);
			return NULL;
		}
	}
	o = ty_scenario_to_cjson(sc, in, res, bodies);
	return o;
}

char *tyche_scenario_to_json(const tyche_scenario *sc, int pretty)
{
	cJSON *o = scenario_render(sc);
	char *text = NULL;

	if (o)
		text = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

char *tyche_scenario_list_to_json(const tyche_scenario *v, size_t n, int pretty)
{
	cJSON *a = cJSON_CreateArray();
	char *text = NULL;

	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = scenario_render(&v[i]);

		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	if (a)
		text = pretty ? cJSON_Print(a) : cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return text;
}

