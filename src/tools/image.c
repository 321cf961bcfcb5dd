/*
 * image: fitting an image for a model with libgd, loaded on first use.
 * See image.h.
 */
#include "tools/image.h"

#include <dlfcn.h>
#include <gd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
	gdImagePtr (*from_png)(int, void *);
	gdImagePtr (*from_jpeg)(int, void *);
	gdImagePtr (*from_gif)(int, void *);
	gdImagePtr (*from_webp)(int, void *);
	gdImagePtr (*scale)(const gdImagePtr, const unsigned int, const unsigned int);
	void *(*png_ptr)(gdImagePtr, int *);
	void *(*jpeg_ptr)(gdImagePtr, int *, int);
	void (*destroy)(gdImagePtr);
	void (*free_)(void *);
} gd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];

static void load(void)
{
	void *h = dlopen("libgd.so.3", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(load_error, sizeof(load_error), "%s", dlerror() ? dlerror() : "libgd.so.3");
		return;
	}
#define SYM(f, name) do { *(void **)&gd.f = dlsym(h, name); \
	if (!gd.f) snprintf(load_error, sizeof(load_error), "libgd has no %s", name); } while (0)
	SYM(from_png, "gdImageCreateFromPngPtr");
	SYM(from_jpeg, "gdImageCreateFromJpegPtr");
	SYM(from_gif, "gdImageCreateFromGifPtr");
	SYM(from_webp, "gdImageCreateFromWebpPtr");
	SYM(scale, "gdImageScale");
	SYM(png_ptr, "gdImagePngPtr");
	SYM(jpeg_ptr, "gdImageJpegPtr");
	SYM(destroy, "gdImageDestroy");
	SYM(free_, "gdFree");
#undef SYM
}

static gdImagePtr decode(const char *type, const unsigned char *data, size_t len)
{
	void *p = (void *)data;

	if (!strcmp(type, "image/png"))
		return gd.from_png((int)len, p);
	if (!strcmp(type, "image/jpeg"))
		return gd.from_jpeg((int)len, p);
	if (!strcmp(type, "image/gif"))
		return gd.from_gif((int)len, p);
	if (!strcmp(type, "image/webp"))
		return gd.from_webp((int)len, p);
	return NULL;
}

int image_fit(const char **type, const unsigned char *data, size_t len, size_t max_bytes,
	      unsigned max_edge, int *w, int *h, struct strbuf *out, struct strbuf *err)
{
	gdImagePtr im;
	unsigned edge = max_edge;
	int photo = !strcmp(*type, "image/jpeg") || !strcmp(*type, "image/webp");
	int round, rc = -1;

	*w = *h = 0;
	pthread_once(&once, load);
	if (load_error[0]) {
		/* without libgd an image that fits still goes as it is */
		if (len <= max_bytes)
			return strbuf_add(out, data, len);
		return strbuf_seterr(err, "it is over %.2f MB and cannot be scaled down here (%s; install libgd3)",
				     (double)max_bytes / 1e6, load_error);
	}
	if (len > (size_t)1 << 30 || !(im = decode(*type, data, len))) {
		/* what libgd cannot read may still be what the model reads:
		 * sent as it is when it fits */
		if (len <= max_bytes)
			return strbuf_add(out, data, len);
		return strbuf_seterr(err, "it could not be decoded as %s to be scaled down", *type);
	}
	*w = gdImageSX(im);
	*h = gdImageSY(im);
	if (len <= max_bytes && (unsigned)*w <= max_edge && (unsigned)*h <= max_edge) {
		gd.destroy(im);
		return strbuf_add(out, data, len);
	}
	/* smaller until it fits: the long edge, then the quality */
	for (round = 0; round < 5 && rc; round++) {
		double f = (double)edge / (double)(*w > *h ? *w : *h);
		unsigned nw = f < 1 ? (unsigned)(*w * f) : (unsigned)*w;
		unsigned nh = f < 1 ? (unsigned)(*h * f) : (unsigned)*h;
		gdImagePtr small = gd.scale(im, nw ? nw : 1, nh ? nh : 1);
		void *enc;
		int size = 0;

		if (!small)
			break;
		enc = photo ? gd.jpeg_ptr(small, &size, round ? 70 : 85) : gd.png_ptr(small, &size);
		if (enc && size > 0 && (size_t)size <= max_bytes) {
			strbuf_reset(out);
			rc = strbuf_add(out, enc, (size_t)size);
			*type = photo ? "image/jpeg" : "image/png";
			*w = (int)nw;
			*h = (int)nh;
		}
		if (enc)
			gd.free_(enc);
		gd.destroy(small);
		edge = edge * 3 / 4;
	}
	gd.destroy(im);
	if (rc)
		return strbuf_seterr(err, "it does not fit in %.2f MB even scaled down", (double)max_bytes / 1e6);
	return 0;
}
