/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-pngcheck - test helper: is a PNG screenshot blank?
 *
 *   tyche-pngcheck [--min-colours N] [--min-nonwhite PERCENT] FILE.png
 *
 * Prints "WIDTHxHEIGHT colours=N nonwhite=P%" and exits 0, or 1 when the
 * image has fewer distinct colours or a smaller share of non-white pixels
 * than asked, 2 on usage errors and for files it cannot decode.
 *
 * Decodes 8-bit, non-interlaced PNGs of colour type grey, RGB, grey+alpha
 * and RGBA (what Chromium's --screenshot writes) with zlib and the five
 * PNG row filters; CRCs are checked with zlib's crc32 so a truncated or
 * damaged file is an error rather than a picture of noise.  A pixel is
 * "white" when every colour channel is at least 250 or it is transparent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_FILE (256u << 20)
#define MAX_PIXELS (100u << 20)

static int die(const char *what)
{
	fprintf(stderr, "tyche-pngcheck: %s\n", what);
	return 2;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

int main(int argc, char **argv)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	long min_colours = 0;
	double min_nonwhite = 0;
	const char *path = NULL;
	unsigned char *file = NULL, *idat = NULL, *raw = NULL, *seen = NULL;
	size_t flen = 0, ilen = 0, rawlen, pos, stride, bpp = 0;
	uint32_t w = 0, h = 0;
	int ctype = -1, rc = 2;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--min-colours") && i + 1 < argc)
			min_colours = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--min-nonwhite") && i + 1 < argc)
			min_nonwhite = strtod(argv[++i], NULL);
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			return die("usage: tyche-pngcheck [--min-colours N] [--min-nonwhite PCT] FILE.png");
	}
	if (!path)
		return die("usage: tyche-pngcheck [--min-colours N] [--min-nonwhite PCT] FILE.png");
	if (!(f = fopen(path, "rb")))
		return die("cannot open the file");
	file = malloc(MAX_FILE);
	if (file)
		flen = fread(file, 1, MAX_FILE, f);
	fclose(f);
	if (!file || flen < 8 || memcmp(file, sig, 8)) {
		free(file);
		return die("not a PNG file");
	}
	for (pos = 8;;) {
		uint32_t len;
		const unsigned char *type;

		if (pos + 12 > flen) {
			rc = die("truncated PNG");
			goto out;
		}
		len = be32(file + pos);
		type = file + pos + 4;
		if (len > flen - pos - 12) {
			rc = die("truncated chunk");
			goto out;
		}
		if (crc32(crc32(0L, Z_NULL, 0), type, len + 4) != be32(file + pos + 8 + len)) {
			rc = die("bad chunk CRC");
			goto out;
		}
		if (!memcmp(type, "IHDR", 4) && len >= 13) {
			const unsigned char *d = type + 4;

			w = be32(d);
			h = be32(d + 4);
			ctype = d[9];
			if (d[8] != 8 || d[12] != 0 || !w || !h || (uint64_t)w * h > MAX_PIXELS) {
				rc = die("only 8-bit non-interlaced PNGs of sane size are supported");
				goto out;
			}
			bpp = ctype == 0 ? 1 : ctype == 2 ? 3 : ctype == 4 ? 2 : ctype == 6 ? 4 : 0;
			if (!bpp) {
				rc = die("unsupported colour type");
				goto out;
			}
		} else if (!memcmp(type, "IDAT", 4)) {
			unsigned char *n = realloc(idat, ilen + len + 1);

			if (!n) {
				rc = die("out of memory");
				goto out;
			}
			idat = n;
			memcpy(idat + ilen, type + 4, len);
			ilen += len;
		} else if (!memcmp(type, "IEND", 4)) {
			break;
		}
		pos += 12 + len;
	}
	if (!bpp || !idat) {
		rc = die("no IHDR or no IDAT");
		goto out;
	}
	stride = (size_t)w * bpp;
	rawlen = (stride + 1) * h;
	raw = malloc(rawlen);
	{
		uLongf got = rawlen;

		if (!raw || uncompress(raw, &got, idat, ilen) != Z_OK || got != rawlen) {
			rc = die("cannot inflate the image data");
			goto out;
		}
	}
	/* undo the row filters in place */
	for (uint32_t y = 0; y < h; y++) {
		unsigned char *row = raw + y * (stride + 1) + 1;
		const unsigned char *up = y ? row - (stride + 1) : NULL;
		int ft = row[-1];

		for (size_t x = 0; x < stride; x++) {
			int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0;
			int c = up && x >= bpp ? up[x - bpp] : 0;

			switch (ft) {
			case 0: break;
			case 1: row[x] = (unsigned char)(row[x] + a); break;
			case 2: row[x] = (unsigned char)(row[x] + b); break;
			case 3: row[x] = (unsigned char)(row[x] + (a + b) / 2); break;
			case 4: row[x] = (unsigned char)(row[x] + paeth(a, b, c)); break;
			default:
				rc = die("bad row filter");
				goto out;
			}
		}
	}
	{
		unsigned long long nonwhite = 0, colours = 0;
		double pct;

		seen = calloc(1u << 21, 1);   /* one bit per 24-bit colour */
		if (!seen) {
			rc = die("out of memory");
			goto out;
		}
		for (uint32_t y = 0; y < h; y++) {
			const unsigned char *row = raw + y * (stride + 1) + 1;

			for (uint32_t x = 0; x < w; x++) {
				const unsigned char *p = row + (size_t)x * bpp;
				unsigned r, g, b, alpha = 255;
				uint32_t key;

				if (ctype == 0 || ctype == 4) {
					r = g = b = p[0];
					if (ctype == 4)
						alpha = p[1];
				} else {
					r = p[0];
					g = p[1];
					b = p[2];
					if (ctype == 6)
						alpha = p[3];
				}
				if (alpha == 0)
					r = g = b = 255;
				key = r << 16 | g << 8 | b;
				if (!(seen[key >> 3] & (1u << (key & 7)))) {
					seen[key >> 3] |= (unsigned char)(1u << (key & 7));
					colours++;
				}
				if (r < 250 || g < 250 || b < 250)
					nonwhite++;
			}
		}
		pct = 100.0 * (double)nonwhite / ((double)w * h);
		printf("%ux%u colours=%llu nonwhite=%.2f%%\n", w, h, colours, pct);
		rc = (long long)colours < min_colours || pct < min_nonwhite ? 1 : 0;
	}
out:
	free(file);
	free(idat);
	free(raw);
	free(seen);
	return rc;
}
